"""The web UI's server-rendered pages: content, escaping, URL state and sign-in."""

from __future__ import annotations

import httpx
import pandas as pd
import pytest

import shipyard as sy
from shipyard.auth import Role

XSS = '<img src=x onerror="alert(1)">'


@pytest.fixture
def site(live_server, sqlite_url: str, tmp_path):
    live = live_server(sqlite_url, artifacts_uri=str(tmp_path / "blobs"))
    ids = []
    for i in range(7):
        name = XSS if i == 0 else f"run-{i}"
        config = {"lr": [0.1, 0.01][i % 2], "depth": i}
        with sy.start_run(
            project="p", name=name, config=config, tags={"t": XSS}, tracking_uri=live.url
        ) as run:
            run.log({"loss": 1.0 / (i + 1)}, step=0)
            ids.append(run.id)
    data = tmp_path / "data"
    data.mkdir()
    (data / "notes.txt").write_text(f"hello {XSS}")
    pd.DataFrame({"a": range(50)}).to_parquet(data / "t.parquet")
    with sy.start_run(project="p", name="producer", tracking_uri=live.url) as run:
        run.log_artifact(data, name="ds", type="dataset")
    return httpx.Client(base_url=live.url, timeout=30), ids


def test_pages_escape_user_text_and_send_a_csp(site) -> None:
    client, ids = site
    for path in ("/", "/projects/p", f"/runs/{ids[0]}", f"/compare?run={ids[0]}&run={ids[1]}"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert XSS not in page.text, path
    assert "&lt;img src=x onerror=" in client.get(f"/runs/{ids[0]}").text
    assert client.get("/vendor/plotly.min.js").status_code == 200


def test_runs_table_filters_sorts_pages_groups_and_picks_columns(site) -> None:
    client, _ = site
    page = client.get(
        "/projects/p", params={"filter": "params.lr = '0.1'", "order": "params.depth ASC"}
    )
    names = [n for n in ("run-2", "run-4", "run-6") if n in page.text]
    assert names == ["run-2", "run-4", "run-6"] and "run-1" not in page.text
    assert page.text.index("run-2") < page.text.index("run-4") < page.text.index("run-6")
    small = client.get("/projects/p", params={"size": 25, "order": "metrics.loss ASC"})
    assert small.status_code == 200 and "producer" in small.text
    bad = client.get("/projects/p", params={"filter": "metrics.loss >> 1"})
    assert bad.status_code == 200 and 'id="filter-error"' in bad.text and "position" in bad.text
    grouped = client.get("/projects/p", params=[("group", "params.lr"), ("col", "metrics.loss")])
    assert 'id="groups"' in grouped.text and "mean ± std" in grouped.text
    cols = client.get("/projects/p", params={"col": "params.depth"})
    assert "<th>" in cols.text and "params.depth" in cols.text and "params.lr</a>" not in cols.text


def test_error_pages_are_html(site) -> None:
    client, _ = site
    missing = client.get("/runs/" + "0" * 32)
    assert missing.status_code == 404 and "RUN_NOT_FOUND" in missing.text
    assert missing.headers["content-type"].startswith("text/html")
    assert client.get("/projects/nope").status_code == 404


def test_artifact_page_previews_and_lineage(site) -> None:
    client, _ = site
    page = client.get("/artifacts/ds/latest")
    assert (
        page.status_code == 200 and "notes.txt" in page.text and 'id="lineage-graph"' in page.text
    )
    text = client.get("/ui/artifacts/ds/v1/preview", params={"path": "notes.txt"}).json()
    assert text == {"kind": "text", "text": f"hello {XSS}", "truncated": False}
    table = client.get("/ui/artifacts/ds/v1/preview", params={"path": "t.parquet"}).json()
    assert table["kind"] == "table" and table["total_rows"] == 50 and len(table["rows"]) == 20


def test_sign_in_with_a_token_sets_a_strict_cookie(live_server, sqlite_url: str) -> None:
    live = live_server(sqlite_url, auth=True)
    _, secret = live.app.state.tokens.create("viewer", Role.READ)
    client = httpx.Client(base_url=live.url, timeout=30)
    first = client.get("/projects/x?filter=a")
    assert (
        first.status_code == 303
        and first.headers["location"] == "/login?next=%2Fprojects%2Fx%3Ffilter%3Da"
    )
    wrong = client.post("/login", data={"token": "sy_wrong", "next": "/"})
    assert wrong.status_code == 401 and "not valid" in wrong.text
    evil = client.post("/login", data={"token": secret, "next": "//evil.example/"})
    assert evil.status_code == 303 and evil.headers["location"] == "/"
    cookie = evil.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/projects").status_code == 200
    # the cookie alone never authorises a change (no cross-site request forgery)
    assert client.post("/api/v1/projects", json={"name": "x"}).status_code == 401
    client.post("/logout")
    assert client.get("/").status_code == 303
