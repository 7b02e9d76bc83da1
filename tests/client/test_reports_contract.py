"""The reports SDK contract on SQLite and PostgreSQL, embedded and over HTTP: versioned
saves, live data versus snapshots, share links, exports and deletion."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import numpy as np
import orjson
import pytest

import shipyard as sy
from shipyard.core.errors import InvalidInputError, ProjectNotFoundError, ReportNotFoundError


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHIPYARD_HOME", str(tmp_path / "home"))
    for name in ("SHIPYARD_TRACKING_URI", "SHIPYARD_MODE", "SHIPYARD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "home"


def _runs(uri: str, project: str, n: int = 4, steps: int = 50) -> list[str]:
    ids = []
    for i in range(n):
        with sy.start_run(project=project, name=f"r{i}", tracking_uri=uri) as run:
            run.log_params({"model": "a" if i % 2 else "b", "lr": 0.01 * (i + 1)})
            run.set_tags({"stage": "candidate" if i < n - 1 else "old"})
            for s in range(steps):
                run.log({"val/rmse": 5.0 / (s + 1) + i}, step=s)
            run.log({"pred": sy.Image(np.full((8, 8, 3), 40 * i, dtype=np.uint8))}, step=steps)
        ids.append(run.id)
    return ids


def _report(uri: str, project: str) -> sy.Report:
    r = sy.Report(project=project, title="Q3 demand", description="why", tracking_uri=uri)
    r.heading("Results")
    r.markdown("## Why\nWe retrained: $x^2$")
    r.runs(filter="tags.stage = 'candidate'", group_by=["params.model"])
    r.line_chart("val/rmse", smoothing=0.6)
    r.scatter("params.lr", "metrics.val/rmse")
    r.bar("metrics.val/rmse")
    r.parallel_coordinates(["params.lr", "params.model", "metrics.val/rmse"])
    r.table(columns=["name", "params.model", "metrics.val/rmse"])
    r.media("pred")
    return r


def test_report_over_logged_runs_live_and_snapshot(tracking_uri: str, project: str) -> None:
    _runs(tracking_uri, project)
    r = _report(tracking_uri, project)
    url = r.save()
    assert url.endswith(f"/reports/{r.id}") and r.version == 1
    backend = sy.Client(tracking_uri).backend
    data = backend.report_data(r.id)
    kinds = [b["kind"] for b in data["blocks"]]
    assert kinds == ["heading", "html", "figure", "figure", "figure", "figure", "table", "media"]
    assert data["runsets"]["rs1"]["count"] == 3  # the filter leaves out the 'old' run
    line = data["blocks"][2]["figure"]
    assert len(line["data"]) == 3 and len(line["data"][0]["x"]) == 50
    assert "<math" in data["blocks"][1]["html"]
    assert [len(b["items"]) for b in data["blocks"][7]["runs"]] == [1, 1, 1]
    assert data["blocks"][7]["runs"][0]["items"][0]["src"].startswith("data:image/png;base64,")
    r.snapshot()
    assert r.version == 2
    with sy.start_run(project=project, name="late", tracking_uri=tracking_uri) as run:
        run.set_tags({"stage": "candidate"})  # one more candidate run after the snapshot
        run.log({"val/rmse": 1.0}, step=0)
    frozen = backend.report_data(r.id, 2)
    live = backend.report_data(r.id, 1)
    assert frozen["snapshot"] and len(frozen["blocks"][2]["figure"]["data"]) == 3
    assert not live["snapshot"] and len(live["blocks"][2]["figure"]["data"]) == 4
    versions = backend.list_report_versions(r.id)
    assert [(v.version, v.snapshot) for v in versions] == [(1, False), (2, True)]
    loaded = sy.Report.load(r.id, tracking_uri=tracking_uri)
    assert loaded.blocks == r.blocks and loaded.runsets == r.runsets
    loaded.markdown("An addendum")
    loaded.save()
    assert backend.get_report(r.id).latest_version == 3
    assert [x.id for x in backend.list_reports(project)] == [r.id]


def test_html_export_is_self_contained(tracking_uri: str, project: str, tmp_path: Path) -> None:
    _runs(tracking_uri, project, n=2)
    r = _report(tracking_uri, project)
    path = r.export(tmp_path / "report.html")
    html = path.read_text()
    tags = re.findall(r"^<script[^>]*>", html, re.MULTILINE)  # the document's own tags
    assert tags == ['<script type="application/json" id="report-data">', "<script>", "<script>"]
    head = unescape(html.split("</head>", 1)[0])
    assert "<link" not in head and "default-src 'none'" in head
    payload = html.split('id="report-data">', 1)[1].split("</script>", 1)[0]
    data = orjson.loads(payload)
    assert data["report"]["title"] == "Q3 demand" and len(data["blocks"]) == 8
    assert "Plotly" in html and path.stat().st_size < 10 * 1024 * 1024


def test_bad_blocks_and_missing_things_are_clear_errors(tracking_uri: str, project: str) -> None:
    r = sy.Report(project=project, title="t", tracking_uri=tracking_uri)
    with pytest.raises(InvalidInputError, match="Unknown report block type"):
        r._add({"type": "video-wall"})
    with pytest.raises(InvalidInputError, match="group by params or tags"):
        r.runs(group_by=["metrics.loss"])
    with pytest.raises(ProjectNotFoundError):
        r.save()
    _runs(tracking_uri, project, n=1, steps=3)
    r.model("no-such-model@champion")
    r.lineage("no-such-artifact:latest")
    r.runs(filter="metrics.x >>> 1")
    r.table(["name"])
    r.save()
    blocks = sy.Client(tracking_uri).backend.report_data(r.id)["blocks"]
    assert [b["kind"] for b in blocks] == ["error", "error", "error"]
    assert blocks[0]["error_code"] == "REGISTERED_MODEL_NOT_FOUND"
    assert blocks[1]["error_code"] == "ARTIFACT_NOT_FOUND"
    assert blocks[2]["error_code"] == "INVALID_FILTER"
    backend = sy.Client(tracking_uri).backend
    with pytest.raises(ReportNotFoundError):
        backend.get_report_version(r.id, 99)
    with pytest.raises(InvalidInputError, match="Export format"):
        backend.export_report(r.id, format="docx")


def test_share_links_and_delete(tracking_uri: str, project: str) -> None:
    _runs(tracking_uri, project, n=1, steps=3)
    r = sy.Report(project=project, title="shared", tracking_uri=tracking_uri)
    r.markdown("hello")
    r.save()
    backend = sy.Client(tracking_uri).backend
    link = r.share()
    assert link.secret and link.secret.startswith("syr_") and link.active
    listed = backend.list_report_shares(r.id)
    assert [s.id for s in listed] == [link.id] and listed[0].secret is None
    backend.revoke_report_share(r.id, link.id)
    assert not backend.list_report_shares(r.id)[0].active
    with pytest.raises(ReportNotFoundError):
        backend.revoke_report_share(r.id, "nope")
    backend.delete_report(r.id)
    with pytest.raises(ReportNotFoundError):
        backend.get_report(r.id)
    with pytest.raises(ReportNotFoundError):
        backend.delete_report(r.id)
