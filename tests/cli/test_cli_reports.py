"""``shipyard reports …`` against the embedded store and through a server."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import Result

import shipyard as sy

Invoke = Callable[..., Result]


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def _report(tracking_uri: str | None = None) -> sy.Report:
    with sy.start_run(project="cli", name="r1", tracking_uri=tracking_uri) as run:
        run.log({"loss": 0.5}, step=0)
    r = sy.Report(project="cli", title="CLI report", tracking_uri=tracking_uri)
    r.markdown("# Hello")
    r.line_chart("loss")
    r.save()
    return r


def test_list_show_export_share_delete(invoke: Invoke, tmp_path: Path) -> None:
    r = _report()
    assert r.id is not None
    listed = json.loads(ok(invoke("reports", "list", "--project", "cli", "--json")).stdout)
    assert [x["id"] for x in listed] == [r.id] and listed[0]["title"] == "CLI report"
    shown = ok(invoke("reports", "show", r.id)).stdout
    assert "CLI report" in shown and "markdown" in shown and "line" in shown
    out = tmp_path / "r.html"
    done = ok(invoke("reports", "export", r.id, "--format", "html", "--output", str(out)))
    assert "Wrote" in done.stdout and out.read_text().startswith("<!doctype html>")
    created = ok(invoke("reports", "share", "create", r.id)).stdout
    assert "/share/syr_" in created
    share_id = created.split()[2].rstrip(":")
    ok(invoke("reports", "share", "revoke", r.id, share_id))
    assert "revoked" in ok(invoke("reports", "share", "list", r.id)).stdout
    bad = invoke("reports", "export", r.id, "--format", "docx")
    assert bad.exit_code == 1 and "INVALID_INPUT" in bad.stderr
    ok(invoke("reports", "delete", r.id, "--yes"))
    missing = invoke("reports", "show", r.id)
    assert missing.exit_code == 1 and "REPORT_NOT_FOUND" in missing.stderr


def test_export_pdf_through_a_server(
    invoke: Invoke, live_server: Callable[..., Any], tmp_path: Path
) -> None:
    live = live_server(f"sqlite:///{tmp_path / 'server.db'}")
    r = _report(live.url)
    assert r.id is not None
    out = tmp_path / "r.pdf"
    ok(invoke("reports", "export", r.id, "-f", "pdf", "-o", str(out), "--tracking-uri", live.url))
    assert out.read_bytes().startswith(b"%PDF")
    listed = json.loads(ok(invoke("reports", "list", "--json", "--tracking-uri", live.url)).stdout)
    assert [x["id"] for x in listed] == [r.id]
