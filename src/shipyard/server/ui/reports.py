"""Report pages: a project's reports, a report (live or one version), its editor, and
the read-only page a share link opens without signing in."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from shipyard.reports import BLOCK_TYPES, ReportService
from shipyard.reports.export import ASSETS, export_document, script_json
from shipyard.server.ui.render import render
from shipyard.server.ui.session import require_session

router = APIRouter(include_in_schema=False)
Session = Annotated[str, Depends(require_session)]
VersionQuery = Annotated[int | None, Query(ge=1)]
ASSET_TYPES = {"report.js": "text/javascript", "report.css": "text/css"}


def _reports(request: Request) -> ReportService:
    service: ReportService = request.app.state.reports
    return service


@router.get("/report-assets/{name}")
def report_asset(name: str) -> Response:
    """The renderer and style exports inline, served to the UI's report pages."""
    if name not in ASSET_TYPES:
        return Response(status_code=404)
    return FileResponse(ASSETS / name, media_type=ASSET_TYPES[name])


@router.get("/projects/{name}/reports", response_class=HTMLResponse)
def project_reports(request: Request, name: str, user: Session) -> Response:
    project = request.app.state.tracking.get_project(name)
    reports = _reports(request).list_reports(name)
    return render(request, "reports.html", user=user, project=project, reports=reports)


def _view(request: Request, report_id: str, version: int | None) -> dict[str, Any]:
    service = _reports(request)
    data = service.data(report_id, version)
    return {"data": data, "data_json": Markup(script_json(data)), "report": data["report"]}


@router.get("/reports/{report_id}", response_class=HTMLResponse)
async def report_page(
    request: Request, report_id: str, user: Session, version: VersionQuery = None
) -> Response:
    ctx = await run_in_threadpool(_view, request, report_id, version)
    versions = await run_in_threadpool(_reports(request).versions, report_id)
    return render(request, "report.html", user=user, shared=None, versions=versions, **ctx)


@router.get("/reports/{report_id}/edit", response_class=HTMLResponse)
async def report_editor(request: Request, report_id: str, user: Session) -> Response:
    service = _reports(request)
    record = await run_in_threadpool(service.get, report_id)
    latest = await run_in_threadpool(service.version, report_id)
    page = {
        "report": record.to_dict(),
        "spec": latest.spec,
        "version": latest.version,
        "auth": bool(request.app.state.auth_enabled),
        "block_types": sorted(BLOCK_TYPES),
    }
    return render(request, "report_edit.html", user=user, report=record, page=page)


@router.get("/share/{secret}", response_class=HTMLResponse)
async def shared_report(request: Request, secret: str, version: VersionQuery = None) -> Response:
    """A report opened by its share token: read-only, no sign-in needed."""
    record = await run_in_threadpool(_reports(request).shared_report, secret)
    ctx = await run_in_threadpool(_view, request, record.id, version)
    return render(request, "report.html", user=None, shared=secret, versions=[], **ctx)


@router.get("/share/{secret}/export")
async def shared_export(
    request: Request, secret: str, format: Annotated[str, Query(max_length=10)] = "html"
) -> Response:
    record = await run_in_threadpool(_reports(request).shared_report, secret)
    content = await run_in_threadpool(export_document, _reports(request), record.id, None, format)
    media = "application/pdf" if format == "pdf" else "text/html; charset=utf-8"
    headers = {"Content-Disposition": f'attachment; filename="report-{record.id}.{format}"'}
    return Response(content, media_type=media, headers=headers)
