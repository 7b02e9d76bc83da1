"""The reports half of the ``Backend`` protocol.

Both backends implement it: ``client/local_reports.py`` (embedded) and
``client/http_reports.py`` (REST).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from shipyard.reports import ReportRecord, ReportVersion, ShareLink


@runtime_checkable
class ReportBackend(Protocol):
    """What the SDK needs for reports."""

    def create_report(
        self,
        project: str,
        title: str,
        description: str = "",
        spec: Mapping[str, Any] | None = None,
    ) -> ReportRecord: ...

    def get_report(self, report_id: str) -> ReportRecord: ...

    def list_reports(self, project: str | None = None) -> list[ReportRecord]: ...

    def save_report(
        self,
        report_id: str,
        spec: Mapping[str, Any],
        *,
        title: str | None = None,
        description: str | None = None,
        snapshot: bool = False,
    ) -> ReportVersion: ...

    def get_report_version(self, report_id: str, version: int | None = None) -> ReportVersion: ...

    def list_report_versions(self, report_id: str) -> list[ReportVersion]: ...

    def report_data(self, report_id: str, version: int | None = None) -> dict[str, Any]: ...

    def export_report(
        self, report_id: str, version: int | None = None, format: str = "html"
    ) -> bytes: ...

    def delete_report(self, report_id: str) -> None: ...

    def create_report_share(self, report_id: str) -> ShareLink: ...

    def list_report_shares(self, report_id: str) -> list[ShareLink]: ...

    def revoke_report_share(self, report_id: str, share_id: str) -> None: ...

    def report_url(self, report_id: str) -> str: ...
