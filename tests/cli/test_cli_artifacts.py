"""``shipyard artifacts …`` and ``shipyard gc`` against the embedded store and against a
live server (every test runs twice: ``[local]`` and ``[http]``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

import shipyard as sy

Invoke = Callable[..., Result]


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(autouse=True, params=["local", "http"])
def backend(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    live_server: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    """The default embedded store, or SHIPYARD_TRACKING_URI pointing at a live server
    (the CLI and ``sy.start_run`` in these tests then both go through it)."""
    if request.param == "http":
        server = live_server(f"sqlite:///{tmp_path / 'served.db'}")
        monkeypatch.setenv("SHIPYARD_TRACKING_URI", str(server.url))
    return request.param


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "features"
    (root / "sub").mkdir(parents=True)
    (root / "a.csv").write_text("x,y\n1,2\n")
    (root / "sub" / "b.txt").write_text("hello")
    return root


def test_put_list_show_get(invoke: Invoke, folder: Path, tmp_path: Path) -> None:
    result = ok(
        invoke(
            "artifacts", "put", str(folder), "--name", "feat", "--type", "dataset",
            "--alias", "candidate", "--metadata", '{"rows": 17520}',
        )
    )  # fmt: skip
    assert "Logged feat:v1" in result.stdout and "candidate" in result.stdout
    again = ok(invoke("artifacts", "put", str(folder), "--name", "feat"))
    assert "Logged feat:v1" in again.stdout  # unchanged content: same version

    listing = ok(invoke("artifacts", "list"))
    assert "feat" in listing.stdout and "v1" in listing.stdout
    assert ok(invoke("artifacts", "list", "--type", "model")).stdout.startswith("No artifacts")
    as_json = json.loads(ok(invoke("artifacts", "list", "--json")).stdout)
    assert as_json[0]["name"] == "feat" and as_json[0]["latest_version"] == 1

    show = ok(invoke("artifacts", "show", "feat:candidate"))
    for text in ("feat:v1", "a.csv", "sub/b.txt", "rows", "17520", "candidate", "latest"):
        assert text in show.stdout
    data = json.loads(ok(invoke("artifacts", "show", "feat:v1", "--json")).stdout)
    assert [f["path"] for f in data["files"]] == ["a.csv", "sub/b.txt"]

    dest = tmp_path / "out"
    got = ok(invoke("artifacts", "get", "feat:latest", "--dest", str(dest)))
    assert "Downloaded feat:v1" in got.stdout
    assert (dest / "sub" / "b.txt").read_text() == "hello"


def test_alias_diff_lineage(invoke: Invoke, folder: Path) -> None:
    with sy.start_run(project="p", name="producer") as producer:
        producer.log_artifact(folder, name="feat")
    (folder / "c.txt").write_text("new")
    (folder / "a.csv").write_text("x,y\n3,4\n")
    ok(invoke("artifacts", "put", str(folder), "--name", "feat"))
    with sy.start_run(project="p", name="consumer") as consumer:
        consumer.use_artifact("feat:v1")

    moved = ok(invoke("artifacts", "alias", "feat", "production", "v1"))
    assert "feat:production → feat:v1" in moved.stdout
    ok(invoke("artifacts", "alias", "feat", "production", "feat:v2"))
    assert "production" in ok(invoke("artifacts", "show", "feat:v2")).stdout

    diff = ok(invoke("artifacts", "diff", "feat:v1", "feat:v2"))
    assert "+ c.txt" in diff.stdout and "~ a.csv" in diff.stdout
    assert "1 added, 0 removed, 1 changed, 1 unchanged" in diff.stdout
    same = ok(invoke("artifacts", "diff", "feat:v1", "feat:v1"))
    assert "No differences" in same.stdout

    tree = ok(invoke("artifacts", "lineage", "feat:v1"))
    assert "upstream" in tree.stdout and "downstream" in tree.stdout
    assert producer.id[:12] in tree.stdout and consumer.id[:12] in tree.stdout
    graph = json.loads(ok(invoke("artifacts", "lineage", "feat:v1", "--json")).stdout)
    assert {n["id"] for n in graph["nodes"]} == {"feat:v1", producer.id, consumer.id}
    up = ok(invoke("artifacts", "lineage", "feat:v1", "--direction", "upstream"))
    assert consumer.id[:12] not in up.stdout
    assert "goes on beyond" not in tree.stdout  # the default walks all of it
    short = ok(invoke("artifacts", "lineage", "feat:v1", "--depth", "0"))
    assert "stopped at the --depth asked" in short.stdout
    assert json.loads(ok(invoke("artifacts", "lineage", "feat:v1", "--depth", "0", "--json"))
                      .stdout)["stopped_by"] == "depth"  # fmt: skip

    shown = ok(invoke("artifacts", "show", "feat:v1"))
    assert producer.id in shown.stdout and consumer.id in shown.stdout


def test_delete_and_gc(invoke: Invoke, folder: Path) -> None:
    ok(invoke("artifacts", "put", str(folder), "--name", "feat"))
    (folder / "a.csv").write_text("changed")
    ok(invoke("artifacts", "put", str(folder), "--name", "feat"))
    with sy.start_run(project="p") as run:
        run.use_artifact("feat:v1")

    refused = invoke("artifacts", "delete", "feat:v1", "--yes")
    assert refused.exit_code == 1 and "Error [" in refused.stderr
    aborted = invoke("artifacts", "delete", "feat:v1", "--force", input="n\n")
    assert aborted.exit_code != 0
    deleted = ok(invoke("artifacts", "delete", "feat:v1", "--force", input="y\n"))
    assert "Deleted feat:v1" in deleted.stdout

    dry = ok(invoke("gc", "--grace-seconds", "0", "--dry-run"))
    assert "Would delete 1 blob(s)" in dry.stdout
    done = ok(invoke("gc", "--grace-seconds", "0"))
    assert "Deleted 1 blob(s)" in done.stdout
    assert "Deleted 0 blob(s)" in ok(invoke("gc", "--grace-seconds", "0")).stdout
    report = json.loads(ok(invoke("gc", "--json")).stdout)
    assert report["deleted"] == []


def test_bad_input_is_a_clean_error(invoke: Invoke, folder: Path, tmp_path: Path) -> None:
    bad = invoke("artifacts", "put", str(folder), "--name", "x", "--metadata", "[1]")
    assert bad.exit_code == 1 and "JSON object" in bad.stderr
    missing = invoke("artifacts", "show", "nope:v1")
    assert missing.exit_code == 1 and "Error [" in missing.stderr
    gone = invoke("artifacts", "put", str(tmp_path / "absent"), "--name", "x")
    assert gone.exit_code == 1


def test_help_everywhere(invoke: Invoke) -> None:
    for command in ("list", "show", "get", "put", "alias", "lineage", "diff", "delete"):
        result = ok(invoke("artifacts", command, "--help"))
        assert "--tracking-uri" in result.stdout
    assert "--grace-seconds" in ok(invoke("gc", "--help")).stdout
    assert "lineage" in ok(invoke("artifacts", "--help")).stdout
