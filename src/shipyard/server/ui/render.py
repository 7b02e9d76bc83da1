"""Jinja2 rendering with autoescaping everywhere and a strict Content-Security-Policy.

No template marks user text safe (the ``markdown`` filter's output is markdown-it's with
raw HTML escaped); page data for scripts goes into
``<script type="application/json">`` through ``tojson`` (which escapes ``<``, ``>``
and ``&``), and scripts only ever set ``textContent``. The CSP forbids inline scripts,
so even a missed escape could not run one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from shipyard.media.markdown import render_markdown
from shipyard.server.routes.health import VERSION
from shipyard.server.ui import format as fmt

HERE = Path(__file__).parent
# Plotly's WebGL traces (parcoords, 3-D scatters) compile shaders with Function(), hence
# 'unsafe-eval'; inline scripts stay forbidden.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
env.filters.update(ts=fmt.ts, num=fmt.num, size=fmt.size, search_name=fmt.search_name)
# The one filter that emits markup: markdown-it with raw HTML off escapes every tag.
env.filters["markdown"] = lambda text: Markup(render_markdown(str(text or "")))
env.globals.update(duration=fmt.duration, ui_version=VERSION)


def url_with(request: Request, **changes: Any) -> str:
    """This page's URL with some query parameters replaced (None removes one)."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    for key, value in changes.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            items.extend((key, str(v)) for v in value)
        else:
            items.append((key, str(value)))
    from urllib.parse import urlencode

    query = urlencode(items)
    return request.url.path + (f"?{query}" if query else "")


def render(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render a page with the security headers."""
    html = env.get_template(template).render(
        request=request, url_with=lambda **kw: url_with(request, **kw), **context
    )
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
