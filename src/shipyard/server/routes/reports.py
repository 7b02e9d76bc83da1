"""Report routes: create, version, read, export and delete reports; share links.

Exports run in a worker thread (a PDF starts headless Chromium). Share links are
managed by writers; the page a share secret opens is a UI route (``/share/{secret}``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from shipyard.reports import ReportService
from shipyard.reports.export import export_document
from shipyard.reports.service import dumps
from shipyard.server._common import json_response
from shipyard.server.routes.registry import who

router = APIRouter(tags=["reports"])


async def get_reports(request: Request) -> ReportService:
    """The app's report service."""
    service: ReportService = request.app.state.reports
    return service


Reports = Annotated[ReportService, Depends(get_reports)]
VersionQuery = Annotated[int | None, Query(ge=1)]


class NewReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    project: str = Field(min_length=1, max_length=250)
    title: str = Field(min_length=1, max_length=500)
    description: str = Field(default="", max_length=20_000)
    spec: dict[str, Any] = Field(default_factory=dict)


class NewVersion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    spec: dict[str, Any]
    title: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=20_000)
    snapshot: bool = False


@router.post("/reports", status_code=201)
async def create_report(request: Request, body: NewReport, service: Reports) -> Response:
    record = await run_in_threadpool(
        service.create, body.project, body.title, body.description, body.spec, user=who(request)
    )
    return json_response(record.to_dict(), 201)


@router.get("/reports")
async def list_reports(
    service: Reports, project: Annotated[str | None, Query(max_length=250)] = None
) -> Response:
    records = await run_in_threadpool(service.list_reports, project)
    return json_response({"reports": [r.to_dict() for r in records]})


@router.get("/reports/{report_id}")
async def get_report(report_id: str, service: Reports) -> Response:
    return json_response((await run_in_threadpool(service.get, report_id)).to_dict())


@router.delete("/reports/{report_id}", status_code=204)
async def delete_report(report_id: str, service: Reports) -> Response:
    await run_in_threadpool(service.delete, report_id)
    return Response(status_code=204)


@router.post("/reports/{report_id}/versions", status_code=201)
async def save_version(
    request: Request, report_id: str, body: NewVersion, service: Reports
) -> Response:
    version = await run_in_threadpool(
        lambda: service.save(
            report_id,
            body.spec,
            title=body.title,
            description=body.description,
            snapshot=body.snapshot,
            user=who(request),
        )
    )
    return json_response(version.to_dict(), 201)


@router.get("/reports/{report_id}/versions")
async def list_versions(report_id: str, service: Reports) -> Response:
    versions = await run_in_threadpool(service.versions, report_id)
    return json_response({"versions": [v.to_dict() for v in versions]})


@router.get("/reports/{report_id}/versions/{version}")
async def get_version(report_id: str, version: str, service: Reports) -> Response:
    number = None if version == "latest" else _version_number(version)
    record = await run_in_threadpool(service.version, report_id, number)
    return json_response(record.to_dict())


def _version_number(raw: str) -> int:
    from shipyard.core.errors import InvalidInputError

    if not raw.isdigit() or int(raw) < 1:
        raise InvalidInputError(f"A report version is a positive number or 'latest', not {raw!r}")
    return int(raw)


@router.get("/reports/{report_id}/data")
async def report_data(report_id: str, service: Reports, version: VersionQuery = None) -> Response:
    data = await run_in_threadpool(service.data, report_id, version)
    return Response(dumps(data), media_type="application/json")


@router.get("/reports/{report_id}/export")
async def export_report(
    report_id: str,
    service: Reports,
    version: VersionQuery = None,
    format: Annotated[str, Query(max_length=10)] = "html",
) -> Response:
    content = await run_in_threadpool(export_document, service, report_id, version, format)
    media = "application/pdf" if format == "pdf" else "text/html; charset=utf-8"
    name = f"report-{report_id}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type=media, headers=headers)


@router.post("/reports/{report_id}/shares", status_code=201)
async def create_share(request: Request, report_id: str, service: Reports) -> Response:
    link = await run_in_threadpool(lambda: service.create_share(report_id, user=who(request)))
    return json_response(link.to_dict(), 201)


@router.get("/reports/{report_id}/shares")
async def list_shares(report_id: str, service: Reports) -> Response:
    links = await run_in_threadpool(service.shares, report_id)
    return json_response({"shares": [s.to_dict() for s in links]})


@router.delete("/reports/{report_id}/shares/{share_id}", status_code=204)
async def revoke_share(report_id: str, share_id: str, service: Reports) -> Response:
    await run_in_threadpool(service.revoke_share, report_id, share_id)
    return Response(status_code=204)
