"""Embedded implementation of ``ReportBackend``: the report service in-process."""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from typing import Any

from shipyard.reports import ReportRecord, ReportService, ReportVersion, ShareLink
from shipyard.reports.export import export_document

__all__ = ["LocalReports"]

ENV_UI_URL = "SHIPYARD_UI_URL"
DEFAULT_UI_URL = "http://127.0.0.1:5000"


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


class LocalReports:
    """Reports over the embedded store; ``reports`` is set up by ``LocalBackend``."""

    reports: ReportService

    def create_report(
        self,
        project: str,
        title: str,
        description: str = "",
        spec: Mapping[str, Any] | None = None,
    ) -> ReportRecord:
        return self.reports.create(project, title, description, spec, user=_user())

    def get_report(self, report_id: str) -> ReportRecord:
        return self.reports.get(report_id)

    def list_reports(self, project: str | None = None) -> list[ReportRecord]:
        return self.reports.list_reports(project)

    def save_report(
        self,
        report_id: str,
        spec: Mapping[str, Any],
        *,
        title: str | None = None,
        description: str | None = None,
        snapshot: bool = False,
    ) -> ReportVersion:
        return self.reports.save(
            report_id,
            spec,
            title=title,
            description=description,
            snapshot=snapshot,
            user=_user(),
        )

    def get_report_version(self, report_id: str, version: int | None = None) -> ReportVersion:
        return self.reports.version(report_id, version)

    def list_report_versions(self, report_id: str) -> list[ReportVersion]:
        return self.reports.versions(report_id)

    def report_data(self, report_id: str, version: int | None = None) -> dict[str, Any]:
        return self.reports.data(report_id, version)

    def export_report(
        self, report_id: str, version: int | None = None, format: str = "html"
    ) -> bytes:
        return export_document(self.reports, report_id, version, format)

    def delete_report(self, report_id: str) -> None:
        self.reports.delete(report_id)

    def create_report_share(self, report_id: str) -> ShareLink:
        return self.reports.create_share(report_id, user=_user())

    def list_report_shares(self, report_id: str) -> list[ShareLink]:
        return self.reports.shares(report_id)

    def revoke_report_share(self, report_id: str, share_id: str) -> None:
        self.reports.revoke_share(report_id, share_id)

    def report_url(self, report_id: str) -> str:
        """Where ``shipyard ui`` shows the report (``$SHIPYARD_UI_URL`` to change)."""
        base = os.environ.get(ENV_UI_URL, DEFAULT_UI_URL).rstrip("/")
        return f"{base}/reports/{report_id}"
