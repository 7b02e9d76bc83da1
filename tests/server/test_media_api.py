"""Media and chart routes over a real server: content types, tables, Markdown, charts,
bands, downloads, and garbage collection keeping media blobs."""

from __future__ import annotations

import io

import httpx
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import shipyard as sy


@pytest.fixture
def logged(live_server, sqlite_url: str, tmp_path):
    live = live_server(sqlite_url, artifacts_uri=str(tmp_path / "blobs"))
    frame = pd.DataFrame({"n": range(300), "word": [f"w{i % 10}" for i in range(300)]})
    with sy.start_run(project="m", tracking_uri=live.url) as run:
        run.log_metric("loss", 1.0, step=0)
        run.log(
            {
                "img": sy.Image(np.zeros((4, 4)), mask=np.eye(4, dtype=int)),
                "tbl": sy.Table(frame),
                "md": sy.Text(
                    "# T <script>alert(1)</script>\n\n[x](javascript:alert(1)) [ok](https://example.com)",
                    markdown=True,
                ),
            },
            step=1,
        )
    points = [sy.MetricPoint("loss", 1.0 / s, s, s) for s in range(1, 21)]
    run.backend.log_batch(run.id, points)
    client = httpx.Client(base_url=live.url + "/api/v1", timeout=30)
    items = {m["key"]: m for m in client.get(f"/runs/{run.id}/media").json()["items"]}
    return client, run, items, live


def test_content_is_served_with_its_own_type_and_safe_headers(logged) -> None:
    client, _, items, _ = logged
    img = client.get(f"/media/{items['img']['id']}/content")
    assert img.status_code == 200 and img.headers["content-type"] == "image/png"
    assert img.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in img.headers["content-security-policy"]
    mask = client.get(f"/media/{items['img']['id']}/content", params={"part": "mask"})
    assert mask.status_code == 200 and mask.content.startswith(b"\x89PNG")
    missing = client.get(f"/media/{items['img']['id']}/content", params={"part": "nope"})
    assert missing.status_code == 404 and missing.json()["error_code"] == "MEDIA_NOT_FOUND"
    assert client.get("/media/999999").json()["error_code"] == "MEDIA_NOT_FOUND"


def test_table_pages_sort_and_filter_on_the_server(logged) -> None:
    client, _, items, _ = logged
    url = f"/media/{items['tbl']['id']}/table"
    page = client.get(url, params={"limit": 5, "sort": "n", "desc": "true"}).json()
    assert page["total"] == 300 and page["columns"] == ["n", "word"]
    assert [r[0] for r in page["rows"]] == [299, 298, 297, 296, 295]
    found = client.get(url, params={"q": "W3", "limit": 1000}).json()
    assert found["matched"] == 30 and all(r[1] == "w3" for r in found["rows"])
    bad = client.get(url, params={"sort": "nope"})
    assert bad.status_code == 400 and "no column" in bad.json()["message"]
    not_table = client.get(f"/media/{items['img']['id']}/table")
    assert not_table.status_code == 400


def test_markdown_is_rendered_without_raw_html_or_script_links(logged) -> None:
    client, _, items, _ = logged
    html = client.get(f"/media/{items['md']['id']}/markdown").json()["html"]
    assert "<h1>" in html and "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html and 'href="https://example.com"' in html


def test_chart_band_and_downloads(logged) -> None:
    client, run, _, _ = logged
    chart = client.get(f"/runs/{run.id}/metrics/chart", params={"key": "loss", "points": 10}).json()
    assert chart["total"] == 21 and len(chart["steps"]) <= 10 and chart["steps"][0] == 0
    bad = client.get(f"/runs/{run.id}/metrics/chart", params={"key": "loss", "points": 1})
    assert bad.status_code == 400
    band = client.get("/metrics/band", params={"runs": f"{run.id},{run.id}", "key": "loss"}).json()
    assert band["runs"] == 1 and band["std"][0] == 0
    csv = client.get(f"/runs/{run.id}/metrics/download", params={"key": "loss"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert (
        csv.text.splitlines()[0] == '"step","timestamp","value"'
        and len(csv.text.splitlines()) == 22
    )
    assert "attachment" in csv.headers["content-disposition"]
    parquet = client.get(
        f"/runs/{run.id}/metrics/download", params={"key": "loss", "format": "parquet"}
    )
    assert pq.read_table(io.BytesIO(parquet.content)).num_rows == 21
    assert client.get(f"/runs/{run.id}/metrics/chart", params={"key": "nope"}).status_code == 404


def test_garbage_collection_keeps_media_blobs(logged) -> None:
    client, _, items, _ = logged
    report = client.post("/admin/gc", json={"grace_s": 0}).json()
    assert report["deleted"] == []
    for item in items.values():
        assert client.get(f"/media/{item['id']}/content").status_code == 200
