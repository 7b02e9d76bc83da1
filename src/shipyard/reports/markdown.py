"""Markdown blocks rendered to HTML that is safe to insert, with code and math.

markdown-it-py with raw HTML off escapes every tag written in the source, so no
``<script>`` and no event-handler attribute can come through. Links and images pass an
allow-list of URL schemes (http, https, mailto; relative links and anchors), so
``javascript:`` or ``data:text/html`` URLs are dropped. ``$…$`` and ``$$…$$`` become
MathML (latex2mathml, which Chromium and Firefox render natively); the MathML is parsed
again and kept only if every element is a MathML element and no attribute is an event
handler or a link, else the TeX source is shown as code.
"""

from __future__ import annotations

import html
import re
from typing import Any
from xml.etree import ElementTree

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

__all__ = ["render_markdown", "safe_url"]

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
_MATHML_NS = "{http://www.w3.org/1998/Math/MathML}"
_MATHML_TAGS = frozenset(
    [
        "math",
        "semantics",
        "annotation",
        "mrow",
        "mi",
        "mn",
        "mo",
        "ms",
        "mtext",
        "mspace",
        "msub",
        "msup",
        "msubsup",
        "munder",
        "mover",
        "munderover",
        "mfrac",
        "msqrt",
        "mroot",
        "mstyle",
        "mpadded",
        "mphantom",
        "mtable",
        "mtr",
        "mtd",
        "menclose",
        "merror",
        "mfenced",
        "mlabeledtr",
        "mprescripts",
        "none",
        "mmultiscripts",
    ]
)
_BAD_ATTRS = ("on", "href", "src", "xlink", "style")


def safe_url(url: str) -> bool:
    """True for relative URLs, anchors and http(s)/mailto URLs (control characters and
    whitespace inside a scheme are stripped first, as browsers do)."""
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", html.unescape(url))
    match = _SCHEME.match(cleaned)
    return match is None or match.group(1).lower() in ALLOWED_SCHEMES


def _math(tex: str, options: dict[str, Any]) -> str:
    display = bool(options.get("display_mode"))
    fallback = f'<code class="math">{html.escape(tex)}</code>'
    try:
        from latex2mathml.converter import convert

        mathml = convert(tex, display="block" if display else "inline")
        root = ElementTree.fromstring(mathml)
    except Exception:  # a TeX string latex2mathml cannot convert is shown as code
        return fallback
    for el in root.iter():
        tag = el.tag.removeprefix(_MATHML_NS)
        if tag not in _MATHML_TAGS:
            return fallback
        if any(a.lower().startswith(_BAD_ATTRS) for a in el.attrib):
            return fallback
    return mathml


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(dollarmath_plugin, renderer=_math, double_inline=True)
    md.validateLink = safe_url  # type: ignore[method-assign]
    return md


_md = _parser()


def render_markdown(text: str) -> str:
    """Sanitised HTML for a Markdown block."""
    out: str = _md.render(text)
    return out
