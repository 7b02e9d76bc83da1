"""The web UI: server-rendered pages, small vanilla JS modules and Plotly.js from the
installed ``plotly`` package (no Node build step)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from shipyard.core.errors import ShipyardError
from shipyard.server.ui import feature_pages, model_pages, pipeline_pages
from shipyard.server.ui.pages import error_page, router
from shipyard.server.ui.reports import router as reports_router
from shipyard.server.ui.session import LoginRequiredError, login_redirect

__all__ = ["install_ui"]

STATIC = Path(__file__).parent / "static"


def plotly_js_path() -> Path:
    """``plotly.min.js`` shipped inside the Python ``plotly`` package."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def install_ui(app: FastAPI, api_prefix: str) -> None:
    """Add the pages, static files and HTML error pages to ``app``."""
    app.include_router(router)
    app.include_router(model_pages.router)
    app.include_router(reports_router)
    app.include_router(pipeline_pages.router)
    app.include_router(feature_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        headers = {"Cache-Control": "public, max-age=86400"}
        return FileResponse(plotly_js_path(), media_type="text/javascript", headers=headers)

    json_handler = app.exception_handlers[ShipyardError]

    async def shipyard_error(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(api_prefix) or not isinstance(exc, ShipyardError):
            result = json_handler(request, exc)
            return await result if not isinstance(result, Response) else result
        return error_page(request, exc)

    async def login_required(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequiredError)
        return login_redirect(exc)

    app.add_exception_handler(ShipyardError, shipyard_error)
    app.add_exception_handler(LoginRequiredError, login_required)
