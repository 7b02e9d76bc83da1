"""Markdown of ``sy.Text(markdown=True)`` rendered to HTML that is safe to insert.

markdown-it-py with raw HTML off escapes every tag in the source, and its link check
drops ``javascript:``, ``vbscript:``, ``file:`` and non-image ``data:`` URLs.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.enable("table")
_md.enable("strikethrough")


def render_markdown(text: str) -> str:
    """Sanitised HTML for ``text``."""
    html: str = _md.render(text)
    return html
