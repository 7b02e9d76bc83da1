"""``ReportBackend`` over REST (a mixin of ``HttpBackend``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from shipyard.reports import ReportRecord, ReportVersion, ShareLink


def _id(value: str) -> str:
    return quote(str(value), safe="")


class HttpReports:
    """Report routes of ``shipyard server``; ``_json``/``_request`` come from HttpBackend."""

    _base_url: str

    def _json(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        raise NotImplementedError  # provided by HttpBackend

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        content: Any = None,
        params: Mapping[str, Any] | None = None,
        accept: str | None = None,
        content_type: str = "application/json",
    ) -> httpx.Response:
        raise NotImplementedError  # provided by HttpBackend

    def create_report(
        self,
        project: str,
        title: str,
        description: str = "",
        spec: Mapping[str, Any] | None = None,
    ) -> ReportRecord:
        body = {"project": project, "title": title, "description": description, "spec": spec or {}}
        return ReportRecord.from_dict(self._json("POST", "/reports", body))

    def get_report(self, report_id: str) -> ReportRecord:
        return ReportRecord.from_dict(self._json("GET", f"/reports/{_id(report_id)}"))

    def list_reports(self, project: str | None = None) -> list[ReportRecord]:
        params = {"project": project} if project is not None else {}
        data = self._json("GET", "/reports", params=params)
        return [ReportRecord.from_dict(r) for r in data["reports"]]

    def save_report(
        self,
        report_id: str,
        spec: Mapping[str, Any],
        *,
        title: str | None = None,
        description: str | None = None,
        snapshot: bool = False,
    ) -> ReportVersion:
        body = {"spec": spec, "title": title, "description": description, "snapshot": snapshot}
        data = self._json("POST", f"/reports/{_id(report_id)}/versions", body)
        return ReportVersion.from_dict(data)

    def get_report_version(self, report_id: str, version: int | None = None) -> ReportVersion:
        which = "latest" if version is None else str(int(version))
        data = self._json("GET", f"/reports/{_id(report_id)}/versions/{which}")
        return ReportVersion.from_dict(data)

    def list_report_versions(self, report_id: str) -> list[ReportVersion]:
        data = self._json("GET", f"/reports/{_id(report_id)}/versions")
        return [ReportVersion.from_dict(v) for v in data["versions"]]

    def report_data(self, report_id: str, version: int | None = None) -> dict[str, Any]:
        params = {"version": str(int(version))} if version is not None else {}
        data: dict[str, Any] = self._json("GET", f"/reports/{_id(report_id)}/data", params=params)
        return data

    def export_report(
        self, report_id: str, version: int | None = None, format: str = "html"
    ) -> bytes:
        params = {"format": format}
        if version is not None:
            params["version"] = str(int(version))
        response = self._request(
            "GET", f"/reports/{_id(report_id)}/export", params=params, accept="*/*"
        )
        return response.content

    def delete_report(self, report_id: str) -> None:
        self._request("DELETE", f"/reports/{_id(report_id)}")

    def create_report_share(self, report_id: str) -> ShareLink:
        return ShareLink.from_dict(self._json("POST", f"/reports/{_id(report_id)}/shares", {}))

    def list_report_shares(self, report_id: str) -> list[ShareLink]:
        data = self._json("GET", f"/reports/{_id(report_id)}/shares")
        return [ShareLink.from_dict(s) for s in data["shares"]]

    def revoke_report_share(self, report_id: str, share_id: str) -> None:
        self._request("DELETE", f"/reports/{_id(report_id)}/shares/{_id(share_id)}")

    def report_url(self, report_id: str) -> str:
        return f"{self._base_url}/reports/{_id(report_id)}"
