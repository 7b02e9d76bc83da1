"""Markdown sanitising (an XSS corpus and a property over arbitrary text) and spec checks."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shipyard.core.errors import InvalidInputError
from shipyard.reports import check_spec, render_markdown
from shipyard.reports.markdown import safe_url

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "![x](javascript:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](vbscript:msgbox(1))",
    "<a href='javascript:alert(1)'>x</a>",
    "<iframe src=//evil.example>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "$\\href{javascript:alert(1)}{x}$",
    "$$\\style{color:red}{x}$$",
]
BAD_TAGS = {"script", "iframe", "svg", "object", "embed", "style", "link", "meta", "form"}


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def _elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_payloads_come_out_inert(payload: str) -> None:
    for tag, attrs in _elements(render_markdown(payload)):
        assert tag not in BAD_TAGS
        for name, value in attrs:
            assert not name.startswith("on") and name != "style"
            if name in ("href", "src"):
                scheme = re.sub(r"[\x00-\x20]", "", value or "").lower()
                assert not scheme.startswith(("javascript:", "vbscript:", "data:")), value


@given(st.text(max_size=300))
def test_no_raw_tag_survives(text: str) -> None:
    html = render_markdown(text)
    for tag in re.findall(r"<\s*([a-zA-Z][a-zA-Z0-9]*)", html):
        assert tag.lower() in ALLOWED, (text, html)


ALLOWED = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "hr",
    "br",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "s",
    "span",
    "div",
    "math",
    "mrow",
    "mi",
    "mn",
    "mo",
    "msup",
    "msub",
    "msubsup",
    "mfrac",
    "msqrt",
    "mroot",
    "mtext",
    "mspace",
    "mstyle",
    "mover",
    "munder",
    "munderover",
    "mtable",
    "mtr",
    "mtd",
    "mpadded",
    "mphantom",
    "menclose",
    "semantics",
    "annotation",
    "ms",
    "merror",
}


def test_math_code_and_safe_links_render() -> None:
    html = render_markdown("$$\\frac{a}{b}$$ and `x` [ok](https://a.example) [rel](/runs/1)")
    assert "<math" in html and "<mfrac>" in html and "<code>x</code>" in html
    assert 'href="https://a.example"' in html and 'href="/runs/1"' in html
    assert safe_url("mailto:a@b.c") and not safe_url(" javascript:x") and not safe_url("data:,x")


def test_spec_errors_name_the_problem() -> None:
    with pytest.raises(InvalidInputError, match="unknown run set"):
        check_spec({"blocks": [{"type": "line", "key": "loss", "runset": "nope"}]})
    with pytest.raises(InvalidInputError, match="needs 'key'"):
        check_spec(
            {"runsets": {"a": {"project": "p"}}, "blocks": [{"type": "line", "runset": "a"}]}
        )
    with pytest.raises(InvalidInputError, match="smoothing"):
        check_spec(
            {
                "runsets": {"a": {"project": "p"}},
                "blocks": [{"type": "line", "runset": "a", "key": "k", "smoothing": 2}],
            }
        )
    with pytest.raises(InvalidInputError, match="x must be"):
        check_spec(
            {
                "runsets": {"a": {"project": "p"}},
                "blocks": [{"type": "line", "runset": "a", "key": "k", "x": "epoch"}],
            }
        )
    with pytest.raises(InvalidInputError, match="non-empty list"):
        check_spec(
            {
                "runsets": {"a": {"project": "p"}},
                "blocks": [{"type": "table", "runset": "a", "columns": []}],
            }
        )
    spec = check_spec(
        {
            "runsets": {"a": {"project": "p", "filter": "metrics.x > 1"}},
            "blocks": [{"type": "heading", "text": "T"}],
        }
    )
    assert spec["runsets"]["a"]["limit"] == 200 and spec["blocks"][0]["level"] == 2
