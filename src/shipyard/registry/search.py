"""The filter and order-by language of ``search_registered_models``.

A filter is clauses joined by ``AND``::

    name LIKE 'energy-%' AND tags.team = 'forecast' AND alias = 'champion'

Attributes: ``name``, ``description``, ``tags.<key>`` (backticks for odd keys:
``tags.`my key```), ``alias`` (the model has this alias). Operators: ``=``, ``!=``,
``LIKE``, ``ILIKE``; values are single- or double-quoted strings (a doubled quote
inside is a literal one). ``LIKE`` is case-sensitive on every database (GLOB on SQLite),
``ILIKE`` is not. Order by ``name``, ``created_at`` or ``updated_at``, ``ASC``/``DESC``.
Errors are ``InvalidFilterError`` with the 0-based position of the problem.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, ColumnElement, and_, exists, func, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from shipyard.core.errors import InvalidFilterError
from shipyard.store.schema_registry import model_aliases, registered_model_tags, registered_models

__all__ = ["Clause", "compile_filter", "compile_order", "parse_filter"]

MAX_FILTER_CHARS = 4000
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<ident>tags\.`(?:[^`]|``)+`|tags\.[A-Za-z0-9_./:-]+|[A-Za-z_]+)
      | (?P<op>!=|<>|=)
      | (?P<str>'(?:[^']|'')*'|"(?:[^"]|"")*")
    )""",
    re.X,
)
_WORD_OPS = {"like": "LIKE", "ilike": "ILIKE"}
_ATTRS = ("name", "description", "alias")
ORDER_COLUMNS = ("name", "created_at", "updated_at")


@dataclass(frozen=True)
class Clause:
    """``attr op value``; ``attr`` is ``name``, ``description``, ``alias`` or ``tags.<k>``."""

    attr: str
    op: str
    value: str
    tag: str | None = None


def _error(text: str, pos: int, why: str) -> InvalidFilterError:
    caret = " " * pos + "^"
    return InvalidFilterError(f"Invalid model filter: {why}\n  {text}\n  {caret}", position=pos)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            start = pos + len(text[pos:]) - len(text[pos:].lstrip())
            raise _error(text, start, f"unexpected {text[start : start + 10]!r}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        out.append((kind, value, match.start(kind)))
        pos = match.end()
    return out


def parse_filter(text: str | None) -> list[Clause]:
    """The clauses of ``text`` (empty for None or blank)."""
    if text is None or not text.strip():
        return []
    if len(text) > MAX_FILTER_CHARS or "\x00" in text:
        raise InvalidFilterError(f"Model filters are at most {MAX_FILTER_CHARS} characters")
    tokens = _tokens(text)
    clauses: list[Clause] = []
    i = 0
    while True:
        if i + 3 > len(tokens):
            missing = ("an attribute", "an operator", "a quoted string")[len(tokens) - i]
            raise _error(text, len(text.rstrip()), f"expected {missing}")
        clauses.append(_clause(text, tokens[i : i + 3]))
        i += 3
        if i == len(tokens):
            return clauses
        kind, word, pos = tokens[i]
        if kind != "ident" or word.lower() != "and":
            why = "OR is not supported" if word.lower() == "or" else "expected AND"
            raise _error(text, pos, why)
        i += 1


def _clause(text: str, three: Sequence[tuple[str, str, int]]) -> Clause:
    (k1, attr, p1), (k2, op, p2), (k3, raw, p3) = three
    tag = None
    if k1 != "ident":
        raise _error(text, p1, "expected an attribute")
    if attr.startswith("tags."):
        tag = attr[5:]
        if tag.startswith("`"):
            tag = tag[1:-1].replace("``", "`")
        attr = "tags"
    elif attr.lower() not in _ATTRS:
        why = f"unknown attribute {attr!r} (use name, description, alias or tags.<key>)"
        raise _error(text, p1, why)
    else:
        attr = attr.lower()
    if k2 == "op":
        op = "!=" if op == "<>" else op
    elif k2 == "ident" and op.lower() in _WORD_OPS:
        op = _WORD_OPS[op.lower()]
    else:
        raise _error(text, p2, "expected =, !=, LIKE or ILIKE")
    if k3 != "str":
        raise _error(text, p3, "expected a quoted string")
    quote = raw[0]
    value = raw[1:-1].replace(quote * 2, quote)
    if attr == "alias" and op != "=":
        raise _error(text, p2, "alias supports only =")
    return Clause(attr, op, value, tag)


class _CaseSensitiveLike(ColumnElement[bool]):
    """``col LIKE pattern`` compiled to the equivalent GLOB on SQLite (whose LIKE ignores
    ASCII case)."""

    inherit_cache = False
    type = Boolean()

    def __init__(self, column: Any, pattern: str) -> None:
        self.like_expr: ClauseElement = column.like(pattern, escape="\\")
        self.glob_expr: ClauseElement = column.op("GLOB", is_comparison=True)(_glob(pattern))


@compiles(_CaseSensitiveLike)
def _compile_like(element: _CaseSensitiveLike, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.like_expr, **kw)


@compiles(_CaseSensitiveLike, "sqlite")
def _compile_glob(element: _CaseSensitiveLike, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.glob_expr, **kw)


def _glob(pattern: str) -> str:
    out, escaped = [], False
    for ch in pattern:
        if escaped:
            out.append(f"[{ch}]" if ch in "*?[" else ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "%":
            out.append("*")
        elif ch == "_":
            out.append("?")
        else:
            out.append(f"[{ch}]" if ch in "*?[" else ch)
    return "".join(out)


def _compare(column: Any, op: str, value: str) -> ColumnElement[bool]:
    if op == "=":
        return column == value  # type: ignore[no-any-return]
    if op == "!=":
        return column != value  # type: ignore[no-any-return]
    if op == "LIKE":
        return _CaseSensitiveLike(column, value)
    return func.lower(column).like(value.lower(), escape="\\")


def compile_filter(clauses: Sequence[Clause]) -> ColumnElement[bool]:
    """A WHERE clause over ``registered_models``."""
    rm, t, a = registered_models, registered_model_tags, model_aliases
    parts: list[ColumnElement[bool]] = []
    for c in clauses:
        if c.attr == "tags":
            match = _compare(t.c.value, c.op, c.value)
            found = select(t.c.model_id).where(t.c.model_id == rm.c.id, t.c.key == c.tag, match)
            parts.append(exists(found))
        elif c.attr == "alias":
            found = select(a.c.model_id).where(a.c.model_id == rm.c.id, a.c.alias == c.value)
            parts.append(exists(found))
        else:
            parts.append(_compare(rm.c[c.attr], c.op, c.value))
    return and_(true(), *parts)


def compile_order(order_by: str | Sequence[str] | None) -> list[Any]:
    """ORDER BY terms; default ``name ASC``. Ties are broken by name."""
    items = [order_by] if isinstance(order_by, str) else list(order_by or [])
    terms: list[Any] = []
    for item in items:
        words = item.split() if isinstance(item, str) else []
        if not words or len(words) > 2 or words[0].lower() not in ORDER_COLUMNS:
            raise InvalidFilterError(
                f"Invalid order_by {item!r:.80}: use one of {', '.join(ORDER_COLUMNS)}, "
                "optionally followed by ASC or DESC",
                position=0,
            )
        direction = words[1].upper() if len(words) == 2 else "ASC"
        if direction not in ("ASC", "DESC"):
            raise InvalidFilterError(f"Invalid order_by direction {words[1]!r}", position=0)
        column = registered_models.c[words[0].lower()]
        terms.append(column.desc() if direction == "DESC" else column.asc())
    terms.append(registered_models.c.name.asc())
    return terms
