"""``sy.Report``: build a report in Python, save versions, snapshot, share and export.

    r = sy.Report(project="energy", title="Q3 demand model")
    r.markdown("## Why we retrained ...")
    r.runs(filter="tags.stage = 'candidate'", group_by=["params.model"])
    r.line_chart("val/rmse", smoothing=0.6)
    url = r.save()

Panels draw the run set defined last by :meth:`runs` (all of the project's runs when
none was defined). Each block is checked when it is added, so a mistake fails at the
line that made it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shipyard.client.backend import Backend
from shipyard.client.factory import backend_for
from shipyard.core.errors import InvalidInputError
from shipyard.reports import ReportRecord, ShareLink
from shipyard.reports.spec import check_block, check_runset

__all__ = ["Report"]


class Report:
    """A report of a project: blocks in order, run sets, and its saved versions."""

    def __init__(
        self,
        project: str,
        title: str,
        description: str = "",
        *,
        tracking_uri: str | None = None,
        backend: Backend | None = None,
    ) -> None:
        self.project = project
        self.title = title
        self.description = description
        self.backend = backend or backend_for(tracking_uri)
        self.id: str | None = None
        self.version: int | None = None
        self.runsets: dict[str, dict[str, Any]] = {}
        self.blocks: list[dict[str, Any]] = []
        self._current: str | None = None

    @classmethod
    def load(
        cls, report_id: str, *, tracking_uri: str | None = None, backend: Backend | None = None
    ) -> Report:
        """The saved report (its newest version's spec), to extend and save again."""
        backend = backend or backend_for(tracking_uri)
        record = backend.get_report(report_id)
        version = backend.get_report_version(report_id)
        report = cls(record.project, record.title, record.description, backend=backend)
        report.id, report.version = record.id, version.version
        report.runsets = dict(version.spec.get("runsets", {}))
        report.blocks = list(version.spec.get("blocks", []))
        report._current = next(reversed(report.runsets), None) if report.runsets else None
        return report

    @property
    def spec(self) -> dict[str, Any]:
        return {"runsets": self.runsets, "blocks": self.blocks}

    def _add(self, block: dict[str, Any]) -> Report:
        self.blocks.append(check_block(block, self.runsets))
        return self

    def _panel(self, block: dict[str, Any]) -> Report:
        if self._current is None:
            self.runs()
        return self._add({**block, "runset": self._current})

    # -- blocks ---------------------------------------------------------------------------
    def heading(self, text: str, level: int = 2) -> Report:
        return self._add({"type": "heading", "text": text, "level": level})

    def markdown(self, text: str) -> Report:
        """Markdown with code and ``$math$``; rendered sanitised (no raw HTML)."""
        return self._add({"type": "markdown", "text": text})

    def runs(
        self,
        filter: str = "",
        group_by: Sequence[str] | None = None,
        order_by: Sequence[str] | None = None,
        limit: int = 200,
        project: str | None = None,
    ) -> str:
        """Define a run set (search-language ``filter``, ``group_by`` params/tags) that the
        following panels draw; returns its id."""
        runset = check_runset(
            {
                "project": project or self.project,
                "filter": filter,
                "group_by": list(group_by or []),
                "order_by": list(order_by or []),
                "limit": limit,
            }
        )
        key = f"rs{len(self.runsets) + 1}"
        while key in self.runsets:
            key += "_"
        self.runsets[key] = runset
        self._current = key
        return key

    def line_chart(
        self,
        key: str,
        x: str = "step",
        smoothing: float = 0.0,
        log_y: bool = False,
        title: str = "",
    ) -> Report:
        return self._panel(
            {
                "type": "line",
                "key": key,
                "x": x,
                "smoothing": smoothing,
                "log_y": log_y,
                "title": title,
            }
        )

    def scatter(self, x: str, y: str, title: str = "") -> Report:
        return self._panel({"type": "scatter", "x": x, "y": y, "title": title})

    def bar(self, column: str, title: str = "") -> Report:
        return self._panel({"type": "bar", "column": column, "title": title})

    def parallel_coordinates(self, columns: Sequence[str], title: str = "") -> Report:
        return self._panel({"type": "parallel", "columns": list(columns), "title": title})

    def table(self, columns: Sequence[str], title: str = "") -> Report:
        return self._panel({"type": "table", "columns": list(columns), "title": title})

    def media(
        self, key: str, step: int | str = "last", max_runs: int = 12, title: str = ""
    ) -> Report:
        return self._panel(
            {"type": "media", "key": key, "step": step, "max_runs": max_runs, "title": title}
        )

    def model(self, uri: str, title: str = "") -> Report:
        """A model version's card: ``name@alias``, ``name/3`` or a ``models:/`` URI."""
        return self._add({"type": "model", "uri": uri, "title": title})

    def feature_stats(self, view: str, version: int | None = None, title: str = "") -> Report:
        return self._add({"type": "features", "view": view, "version": version, "title": title})

    def lineage(self, ref: str, direction: str = "both", depth: int = 3, title: str = "") -> Report:
        """The lineage graph of an artifact version (``name:v3``, ``name:latest``)."""
        return self._add(
            {"type": "lineage", "ref": ref, "direction": direction, "depth": depth, "title": title}
        )

    def pipeline_run(self, pipeline: str, run_id: str | None = None, title: str = "") -> Report:
        """A pipeline run's summary (its latest run unless ``run_id`` is given)."""
        return self._add({"type": "pipeline", "pipeline": pipeline, "run_id": run_id,
                          "title": title})  # fmt: skip

    # -- saving, sharing, exporting -------------------------------------------------------
    def _store(self, snapshot: bool) -> str:
        if self.id is None:
            record: ReportRecord = self.backend.create_report(
                self.project, self.title, self.description, self.spec
            )
            self.id, self.version = record.id, record.latest_version
            if snapshot:
                self.version = self.backend.save_report(self.id, self.spec, snapshot=True).version
        else:
            saved = self.backend.save_report(
                self.id,
                self.spec,
                title=self.title,
                description=self.description,
                snapshot=snapshot,
            )
            self.version = saved.version
        return self.url

    def save(self) -> str:
        """Save a new live version (panels query current data); returns the report's URL."""
        return self._store(snapshot=False)

    def snapshot(self) -> str:
        """Save a new version with the panels' current data frozen into it."""
        return self._store(snapshot=True)

    @property
    def url(self) -> str:
        if self.id is None:
            raise InvalidInputError("The report is not saved yet: call save() first")
        return self.backend.report_url(self.id)

    def share(self) -> ShareLink:
        """A read-only share token (revocable); its secret opens ``/share/<secret>``."""
        if self.id is None:
            self.save()
        assert self.id is not None
        return self.backend.create_report_share(self.id)

    def export(
        self, path: str | Path, format: str | None = None, version: int | None = None
    ) -> Path:
        """Write the saved report as self-contained HTML or PDF (format from the suffix)."""
        if self.id is None:
            self.save()
        assert self.id is not None
        target = Path(path)
        fmt = format or (target.suffix.lstrip(".").lower() or "html")
        data = self.backend.export_report(self.id, version or self.version, fmt)
        target.write_bytes(data)
        return target
