"""Feature store pages: entities, feature views (versions, schema, source, TTL,
freshness), feature services, and a view's statistics with histograms."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from shipyard.core.errors import FeatureNotFoundError
from shipyard.features.records import IngestionRecord
from shipyard.features.service import FeatureStoreService
from shipyard.server.ui.render import render
from shipyard.server.ui.session import require_session

router = APIRouter(include_in_schema=False)
Session = Annotated[str, Depends(require_session)]


def _features(request: Request) -> FeatureStoreService:
    service: FeatureStoreService = request.app.state.features
    return service


def source_text(source: dict[str, Any] | None) -> str:
    """A view's source in one line; a SQL URL's password is masked."""
    if not source:
        return "pushed DataFrames (fs.ingest(view, df))"
    if source.get("type") == "sql":
        try:
            url = make_url(str(source.get("url"))).render_as_string(hide_password=True)
        except ArgumentError:  # an unparsable URL is shown without its details
            url = "(unparsable URL)"
        what = source.get("table") or source.get("query")
        return f"SQL {url}: {what}"
    fmt = f" ({source['format']})" if source.get("format") else ""
    return f"file {source.get('path')}{fmt}"


def ttl_text(seconds: float | None) -> str:
    if seconds is None:
        return "none"
    s = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size and s % size == 0:
            return f"{s // size}{unit}"
    return f"{s}s"


def freshness(batches: list[IngestionRecord]) -> dict[str, Any]:
    """Rows, batches and the newest event time / ingestion time over ``batches``."""
    return {
        "rows": sum(b.rows for b in batches),
        "batches": len(batches),
        "latest_event": max((b.max_ts for b in batches if b.max_ts is not None), default=None),
        "latest_ingested": max((b.created_at for b in batches), default=None),
    }


@router.get("/features", response_class=HTMLResponse)
def features_page(request: Request, user: Session) -> Response:
    service = _features(request)
    views = service.list_definitions("view")
    fresh = {
        v.name: (freshness(service.ingestions(v.name)), service.materialization(v.name))
        for v in views
    }
    return render(
        request, "features.html", user=user, entities=service.list_definitions("entity"),
        views=views, services=service.list_definitions("service"), fresh=fresh, ttl=ttl_text,
        source=source_text,
    )  # fmt: skip


def _chart_data(batch: IngestionRecord | None) -> dict[str, Any]:
    if batch is None:
        return {"histograms": {}, "top": {}}
    hist = {k: s["histogram"] for k, s in batch.stats.items() if s.get("histogram")}
    top = {k: s["top"] for k, s in batch.stats.items() if s.get("top")}
    return {"histograms": hist, "top": top}


@router.get("/features/views/{name}", response_class=HTMLResponse)
def view_page(
    request: Request,
    name: str,
    user: Session,
    version: Annotated[int | None, Query(ge=1)] = None,
    batch: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    service = _features(request)
    view = service.get_definition("view", name, version)
    batches = service.ingestions(name, view.version)
    chosen = batches[-1] if batches else None
    if batch is not None:
        chosen = next((b for b in batches if b.id == batch), None)
        if chosen is None:
            raise FeatureNotFoundError(
                f"Feature view {name!r} v{view.version} has no batch {batch}", kind="ingestion"
            )
    using = [
        s for s in service.list_definitions("service")
        if any(r.split(":", 1)[0] == name for r in s.spec.get("features", []))
    ]  # fmt: skip
    return render(
        request, "feature_view.html", user=user, view=view,
        versions=service.definition_versions("view", name), batches=batches, chosen=chosen,
        fresh=freshness(batches), mat=service.materialization(name), services=using,
        data=_chart_data(chosen), ttl=ttl_text, source=source_text,
    )  # fmt: skip


@router.get("/features/services/{name}", response_class=HTMLResponse)
def service_page(
    request: Request,
    name: str,
    user: Session,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    service = _features(request)
    record = service.get_definition("service", name, version)
    by_view: dict[str, list[str]] = {}
    for ref in record.spec.get("features", []):
        view, _, feature = ref.partition(":")
        by_view.setdefault(view, []).append(feature)
    return render(
        request, "feature_service.html", user=user, record=record, by_view=by_view,
        versions=service.definition_versions("service", name),
    )  # fmt: skip
