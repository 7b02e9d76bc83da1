"""The web UI's pages: server-rendered Jinja2 templates over the domain services.

Every page's state lives in its URL (filters, sorting, paging, columns, selection), so
any view can be shared. Pages need a session cookie when the server runs with auth.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from shipyard.artifacts import ArtifactService, parse_ref
from shipyard.auth.tokens import TokenService
from shipyard.core.errors import AuthenticationError, ShipyardError
from shipyard.media import MediaService
from shipyard.media.preview import image_mime, preview
from shipyard.server._common import json_response
from shipyard.server.auth import SESSION_COOKIE
from shipyard.server.ui import views
from shipyard.server.ui.render import render
from shipyard.server.ui.session import require_session, safe_next, set_session
from shipyard.tracking.service import TrackingService

router = APIRouter(include_in_schema=False)
Session = Annotated[str, Depends(require_session)]


def _tracking(request: Request) -> TrackingService:
    service: TrackingService = request.app.state.tracking
    return service


def _artifacts(request: Request) -> ArtifactService:
    service: ArtifactService = request.app.state.artifacts
    return service


def _media(request: Request) -> MediaService:
    service: MediaService = request.app.state.media
    return service


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: Session) -> Response:
    ctx = views.projects_context(_tracking(request))
    return render(request, "home.html", user=user, **ctx)


@router.get("/projects/{name}", response_class=HTMLResponse)
def project_runs(request: Request, name: str, user: Session) -> Response:
    q = views.RunsQuery.from_params(request.query_params)
    ctx = views.runs_context(_tracking(request), name, q)
    return render(request, "runs.html", user=user, cell=views.cell, **ctx)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: str, user: Session) -> Response:
    run = _tracking(request).get_run(run_id)
    media_keys = _media(request).keys(run.id)
    produced = _artifacts(request).run_artifacts(run.id)
    metric_keys = sorted(run.metrics)
    data = {
        "run": {"id": run.id, "name": run.name, "start": run.start_time},
        "metrics": [k for k in metric_keys if not k.startswith("system/")],
        "system": [k for k in metric_keys if k.startswith("system/")],
        "media": [k.to_dict() for k in media_keys],
    }
    return render(
        request, "run.html", user=user, run=run, data=data, artifacts=produced,
        media_keys=media_keys,
    )  # fmt: skip


@router.get("/compare", response_class=HTMLResponse)
def compare(
    request: Request,
    user: Session,
    run: Annotated[list[str], Query(max_length=views.MAX_COMPARE)] = [],  # noqa: B006
    group: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    ids = [r for item in run for r in item.split(",") if r]
    ctx = views.compare_context(_tracking(request), ids, group)
    return render(request, "compare.html", user=user, **ctx)


@router.get("/artifacts/{name}/{selector}", response_class=HTMLResponse)
def artifact_page(request: Request, name: str, selector: str, user: Session) -> Response:
    service = _artifacts(request)
    version = service.resolve(parse_ref(f"{name}:{selector}"))
    files = service.files(version.id)
    graph = service.lineage(version.ref, "both", 3)
    ctx: dict[str, Any] = {"version": version, "files": files}
    ctx["lineage"] = views.lineage_layout(graph)
    ctx["lineage_truncated"] = graph.truncated
    return render(request, "artifact.html", user=user, **ctx)


@router.get("/ui/artifacts/{name}/{selector}/preview")
async def artifact_preview(
    request: Request, name: str, selector: str, user: Session, path: str = Query(max_length=4096)
) -> Response:
    """JSON preview of one file of a version (text, image URL or a table's head)."""
    service = _artifacts(request)
    version = await run_in_threadpool(service.resolve, parse_ref(f"{name}:{selector}"))
    files = await run_in_threadpool(service.files, version.id)
    entry = next((f for f in files if f.path == path), None)
    if entry is None or entry.digest is None:
        return json_response({"kind": "none"})
    result: dict[str, Any] = await run_in_threadpool(
        preview, request.app.state.blobs, entry.digest, entry.path, entry.size
    )
    if result["kind"] == "image":
        result.update(url=f"/api/v1/blobs/{entry.digest}", mime=image_mime(path))
    return json_response(result)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", user=None, next=safe_next(next), error=None)


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    token: Annotated[str, Form(max_length=512)],
    next: Annotated[str, Form(max_length=4096)] = "/",
) -> Response:
    tokens: TokenService = request.app.state.tokens
    try:
        await run_in_threadpool(tokens.authenticate, token.strip())
    except AuthenticationError:
        error = "That token is not valid (or was revoked)."
        return render(
            request, "login.html", user=None, status_code=401, next=safe_next(next), error=error
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session(response, token.strip(), request.url.scheme == "https")
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def error_page(request: Request, exc: ShipyardError) -> Response:
    """A ShipyardError on a page renders as an HTML page with the error's status."""
    return render(
        request, "error.html", user=None, status_code=exc.http_status, code=exc.error_code,
        message=exc.message,
    )  # fmt: skip
