"""Model registry pages: the list of registered models, one model's page (card,
aliases, versions with their artifacts and runs, and the audit history) and one
version's page with its evaluation plots."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from shipyard.registry import RegistryService
from shipyard.server.ui.evaluations import evaluations_of
from shipyard.server.ui.render import render
from shipyard.server.ui.session import require_session

router = APIRouter(include_in_schema=False)
Session = Annotated[str, Depends(require_session)]

# CommonMark with raw HTML off: any tag in a card is shown as text, and markdown-it
# refuses javascript:/vbscript:/data: link targets, so the HTML it returns is safe to
# embed (the page's CSP forbids inline scripts as well).
_markdown = MarkdownIt("commonmark", {"html": False})


def model_card_html(text: str) -> Markup:
    """A model card (Markdown) as HTML without raw HTML or script links."""
    return Markup(_markdown.render(text))


def _registry(request: Request) -> RegistryService:
    service: RegistryService = request.app.state.registry
    return service


@router.get("/models", response_class=HTMLResponse)
def models_page(
    request: Request,
    user: Session,
    filter: Annotated[str, Query(max_length=4000)] = "",
) -> Response:
    models = _registry(request).search_registered_models(filter or None, ["name"], 1000)
    return render(request, "models.html", user=user, models=models, filter=filter)


@router.get("/models/{name}", response_class=HTMLResponse)
def model_page(request: Request, name: str, user: Session) -> Response:
    service = _registry(request)
    model = service.get_registered_model(name)
    versions = service.list_model_versions(name, include_deleted=True)
    history = list(reversed(service.model_history(name)))
    return render(
        request, "model.html", user=user, model=model, versions=versions, history=history,
        card=model_card_html(model.model_card) if model.model_card else None,
    )  # fmt: skip


@router.get("/models/{name}/versions/{version}", response_class=HTMLResponse)
def model_version_page(request: Request, name: str, version: int, user: Session) -> Response:
    """One version: its artifact, run, stage, aliases, and the evaluations logged for it
    (metrics and the Plotly figures ``sy.evaluate`` stores in an ``evaluation`` artifact)."""
    service = _registry(request)
    model = service.get_registered_model(name)
    record = service.get_model_version(name, version)
    found = evaluations_of(request.app.state.artifacts, request.app.state.blobs, name, record)
    return render(
        request, "model_version.html", user=user, model=model, v=record, evaluations=found
    )
