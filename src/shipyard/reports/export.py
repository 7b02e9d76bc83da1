"""Self-contained HTML of a resolved report, and a PDF printed from it by Chromium.

The HTML holds everything it needs: the data as JSON, Plotly.js (from the installed
``plotly`` package) and the renderer, inline, so it opens offline with no server. Its
Content-Security-Policy allows exactly those two scripts (by SHA-256 hash) and no
network access, so neither an injected script nor a tracking pixel could run or load.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from shipyard.core.errors import InvalidInputError
from shipyard.reports.service import ReportService, dumps

__all__ = ["ASSETS", "EXPORT_FORMATS", "export_document", "plotly_js_path", "render_html"]

EXPORT_FORMATS = ("html", "pdf")

ASSETS = Path(__file__).parent / "assets"
_env = Environment(
    loader=FileSystemLoader(ASSETS),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def plotly_js_path() -> Path:
    """``plotly.min.js`` shipped inside the Python ``plotly`` package."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@functools.cache
def _asset(name: str) -> str:
    path = plotly_js_path() if name == "plotly" else ASSETS / name
    return path.read_text(encoding="utf-8")


def script_json(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">`` (``<``, ``>``, ``&`` escaped)."""
    text = dumps(data)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def render_html(data: dict[str, Any]) -> str:
    """The exported document for ``ReportService.data(...)``'s result."""
    plotly_js, renderer = _asset("plotly"), _asset("report.js")
    # Plotly's WebGL traces compile shaders with Function(), hence 'unsafe-eval'
    csp = (
        f"default-src 'none'; script-src {_hash(plotly_js)} {_hash(renderer)} 'unsafe-eval'; "
        "style-src 'unsafe-inline'; img-src data: blob:; media-src data:; font-src data:; "
        "base-uri 'none'; form-action 'none'"
    )
    resolved = datetime.fromtimestamp(data.get("resolved_at", 0) / 1000, UTC)
    return _env.get_template("export.html").render(
        report=data["report"],
        version=data["version"],
        snapshot=data["snapshot"],
        resolved_at=resolved.strftime("%Y-%m-%d %H:%M UTC"),
        css=Markup(_asset("report.css")),
        csp=csp,
        data_json=Markup(script_json(data)),
        plotly_js=Markup(plotly_js),
        renderer_js=Markup(renderer),
    )


def export_document(
    service: ReportService, report_id: str, version: int | None = None, format: str = "html"
) -> bytes:
    """The HTML or PDF export of a report version."""
    if format not in EXPORT_FORMATS:
        raise InvalidInputError(f"Export format must be one of {', '.join(EXPORT_FORMATS)}")
    html = render_html(service.data(report_id, version))
    if format == "html":
        return html.encode("utf-8")
    from shipyard.reports.pdf import html_to_pdf

    return html_to_pdf(html)
