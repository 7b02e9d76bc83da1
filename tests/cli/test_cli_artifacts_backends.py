"""``shipyard artifacts`` over both backends (embedded and a live server), incremental
puts, references, and the Rich transfer bars."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import Result

Invoke = Callable[..., Result]


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(params=["local", "http"])
def backend(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    live_server: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    """SHIPYARD_TRACKING_URI for an embedded store or a live server in front of one."""
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    uri = str(live_server(db).url) if request.param == "http" else db
    monkeypatch.setenv("SHIPYARD_TRACKING_URI", uri)
    return request.param


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "features"
    (root / "old").mkdir(parents=True)
    (root / "a.csv").write_text("x,y\n1,2\n")
    (root / "old" / "b.txt").write_text("hello")
    return root


def test_put_incremental_ref_get_gc(
    backend: str, invoke: Invoke, folder: Path, tmp_path: Path
) -> None:
    ok(invoke("artifacts", "put", str(folder), "--name", "feat"))
    delta = tmp_path / "delta"
    delta.mkdir()
    (delta / "c.txt").write_text("new")
    lake = tmp_path / "lake.csv"
    lake.write_text("id\n1\n")
    put = ok(
        invoke(
            "artifacts", "put", str(delta), "--name", "feat", "--base", "feat:v1",
            "--remove", "old", "--ref", f"raw/lake.csv={lake.as_uri()}",
        )
    )  # fmt: skip
    assert "Logged feat:v2" in put.stdout
    shown = json.loads(ok(invoke("artifacts", "show", "feat:v2", "--json")).stdout)
    files = {f["path"]: f for f in shown["files"]}
    assert sorted(files) == ["a.csv", "c.txt", "raw/lake.csv"]
    assert files["raw/lake.csv"]["ref_uri"] == lake.as_uri()
    assert lake.as_uri() in ok(invoke("artifacts", "show", "feat:v2")).stdout

    dest = tmp_path / "out"
    ok(invoke("artifacts", "get", "feat:v2", "--dest", str(dest)))
    assert (dest / "raw" / "lake.csv").read_text() == "id\n1\n"
    assert (dest / "c.txt").read_text() == "new" and not (dest / "old").exists()
    skipped = tmp_path / "skipped"
    ok(invoke("artifacts", "get", "feat:v2", "--dest", str(skipped), "--no-references"))
    assert not (skipped / "raw").exists() and (skipped / "a.csv").exists()

    bad = invoke("artifacts", "put", "--name", "feat", "--ref", "no-equals-sign")
    assert bad.exit_code == 1 and "PATH=URI" in bad.stderr
    gone = invoke("artifacts", "put", "--name", "feat", "--base", "feat:v1", "--remove", "zz")
    assert gone.exit_code == 1 and "zz" in gone.stderr

    ok(invoke("artifacts", "delete", "feat:v1", "--yes"))
    report = json.loads(ok(invoke("gc", "--grace-seconds", "0", "--json")).stdout)
    assert len(report["deleted"]) == 1  # old/b.txt: only v1 held it


def test_put_and_get_show_progress_bars(
    backend: str, invoke: Invoke, folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=120, highlight=False)
    monkeypatch.setattr("shipyard.cli.artifacts.console", terminal)
    ok(invoke("artifacts", "put", str(folder), "--name", "bars"))
    ok(invoke("artifacts", "get", "bars:v1", "--dest", str(tmp_path / "out")))
    drawn = screen.getvalue()
    assert "Uploading bars" in drawn and "Downloading bars:v1" in drawn
    assert "13 bytes" in drawn or "13/13 bytes" in drawn  # the transfer column's total
    assert "━" in drawn  # the bar itself
