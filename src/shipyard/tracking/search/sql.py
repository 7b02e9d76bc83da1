"""Compile a parsed search filter and order-by items into one SQLAlchemy ``SELECT``.

Semantics (MLflow's, made explicit):

* A comparison on a metric, param or tag that a run lacks does not match, whatever the
  operator - ``params.opt != 'adam'`` and ``params.opt NOT IN ('adam')`` only match runs
  that *have* ``opt``. ``IS NULL`` matches exactly the runs lacking the key and
  ``IS NOT NULL`` the runs having it. The same goes for the nullable attributes
  ``end_time`` and ``parent_id``: ``attributes.parent_id != 'x'`` skips runs with no parent.
* Metric comparisons use the latest value (``latest_metrics``). A NaN value matches only
  ``= NaN``; ``!= NaN`` matches every run whose value is not NaN; ``<``, ``>`` and the other
  ordering operators never match NaN, and comparing with NaN that way matches nothing.
  ``inf`` and ``-inf`` compare as ordinary numbers.
* ``LIKE`` is case-sensitive on every backend (on SQLite it is compiled to ``GLOB``, since
  SQLite's ``LIKE`` ignores ASCII case); ``ILIKE`` is case-insensitive everywhere. ``%``
  and ``_`` are the wildcards and a backslash escapes them (``'100\\%'`` matches
  ``100%``; ``\\\\`` is a backslash) on every backend.
* Ordering by a metric, param or tag puts runs lacking it last in both directions; NaN
  metric values sort after every number and before the missing ones, in both directions.
  Params and tags sort as strings (``'10' < '9'``) in the database's collation. Every
  query ends with the tiebreak ``start_time DESC, id ASC``, so paging with limit/offset
  is stable; without order-by items the order is just that tiebreak (newest first).

Query shape (chosen by measuring on SQLite with 100k runs): a top-level AND-ed
``params``/``tags`` comparison with ``=`` or ``IN`` becomes an inner join on an alias, so
the planner can drive the query from the selective ``(key, value)`` index even without
``ANALYZE`` statistics. Every other comparison becomes a correlated ``EXISTS`` /
``NOT EXISTS`` probing the ``(run_id, key)`` unique index, which keeps the cheap "scan the
newest runs until ``limit`` match" plan for broad filters. Joins never duplicate rows:
``(run_id, key)`` is unique in every keyed table. Each order-by key is an outer join on its
own alias. All values are bound parameters.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from shipyard.core.errors import InvalidInputError
from shipyard.store.schema import latest_metrics, params, runs, tags
from shipyard.tracking.search.ast import And, Comparison, Node, Or, OrderBy

__all__ = ["build_search_query"]

_KEYED_TABLES: dict[str, sa.Table] = {
    "metrics": latest_metrics,
    "params": params,
    "tags": tags,
}
_NULLABLE_ATTRIBUTES = frozenset({"end_time", "parent_id"})


class _CaseSensitiveLike(ColumnElement[bool]):
    """``column LIKE pattern ESCAPE '\\'``, compiled to the equivalent ``GLOB`` on SQLite."""

    inherit_cache = True
    type = sa.Boolean()
    _traverse_internals = [
        ("like_expr", InternalTraversal.dp_clauseelement),
        ("glob_expr", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], pattern: str) -> None:
        self.like_expr = column.like(pattern, escape="\\")
        self.glob_expr = column.op("GLOB", is_comparison=True)(_like_to_glob(pattern))


@compiles(_CaseSensitiveLike)
def _compile_like(element: _CaseSensitiveLike, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.like_expr, **kw)


@compiles(_CaseSensitiveLike, "sqlite")
def _compile_glob(element: _CaseSensitiveLike, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.glob_expr, **kw)


def _like_tokens(pattern: str) -> list[tuple[str, bool]]:
    """Split a LIKE pattern into ``(char, is_wildcard)``; ``\\`` makes the next char literal."""
    tokens: list[tuple[str, bool]] = []
    chars = iter(pattern)
    for ch in chars:
        if ch == "\\":
            tokens.append((next(chars, "\\"), False))
        else:
            tokens.append((ch, ch in "%_"))
    return tokens


def _normalize_like(pattern: str) -> str:
    """Re-escape a pattern so only ``\\%``, ``\\_`` and ``\\\\`` remain (a trailing
    lone backslash is an error on PostgreSQL; it becomes a literal backslash)."""
    return "".join(
        ch if wild or ch not in "%_\\" else "\\" + ch for ch, wild in _like_tokens(pattern)
    )


def _like_to_glob(pattern: str) -> str:
    """Translate a LIKE pattern (``%``, ``_``, ``\\`` escapes) to GLOB (``*``, ``?``)."""
    literal = {"*": "[*]", "?": "[?]", "[": "[[]"}
    return "".join(
        ("*" if ch == "%" else "?") if wild else literal.get(ch, ch)
        for ch, wild in _like_tokens(pattern)
    )


_COMPARE: dict[str, Callable[[ColumnElement[Any], Any], ColumnElement[bool]]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _compare(column: ColumnElement[Any], op: str, value: Any) -> ColumnElement[bool]:
    """``column op value`` for every operator but ``IS [NOT] NULL``."""
    if op in _COMPARE:
        return _COMPARE[op](column, value)
    if op == "LIKE":
        return _CaseSensitiveLike(column, _normalize_like(value))
    if op == "ILIKE":
        return column.ilike(_normalize_like(value), escape="\\")
    if op == "IN":
        return column.in_(value)
    if op == "NOT IN":
        return column.not_in(value)
    raise AssertionError(op)  # pragma: no cover - the parser admits no other operator


def _to_float(value: float) -> float:
    """``float(value)``, with integers beyond the float range becoming +-inf."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _value_condition(table: sa.FromClause, node: Comparison) -> ColumnElement[bool]:
    """What a row of ``table`` (metrics, params or tags) must satisfy beyond its key.

    Only for operators other than ``IS [NOT] NULL``.
    """
    op, value = node.op, node.value
    if node.entity != "metrics":
        return _compare(table.c.value, op, value)
    assert isinstance(value, int | float)
    number = _to_float(value)
    if math.isnan(number):
        if op == "=":
            return table.c.is_nan == sa.true()
        if op == "!=":
            return table.c.is_nan == sa.false()
        return sa.false()
    condition = _compare(table.c.value, op, number)
    return sa.and_(table.c.is_nan == sa.false(), condition)


def _keyed_condition(node: Comparison) -> ColumnElement[bool]:
    """``[NOT] EXISTS (SELECT FROM table WHERE run_id = runs.id AND key = :key AND ...)``."""
    table = _KEYED_TABLES[node.entity]
    exists = sa.exists().where(table.c.run_id == runs.c.id, table.c.key == node.key)
    if node.op == "IS NULL":
        return ~exists
    if node.op == "IS NOT NULL":
        return exists
    return exists.where(_value_condition(table, node))


def _condition(node: Node) -> ColumnElement[bool]:
    """The WHERE clause for a filter (sub)tree."""
    if isinstance(node, And):
        return sa.and_(*(_condition(item) for item in node.items))
    if isinstance(node, Or):
        return sa.or_(*(_condition(item) for item in node.items))
    if node.entity != "attributes":
        return _keyed_condition(node)
    column = runs.c[node.key]
    if node.op == "IS NULL":
        return column.is_(None)
    if node.op == "IS NOT NULL":
        return column.is_not(None)
    return _compare(column, node.op, node.value)


def _is_lookup(node: Node) -> bool:
    """A param/tag ``=`` or ``IN``: an equality the (key, value) index answers directly."""
    return (
        isinstance(node, Comparison)
        and node.entity in ("params", "tags")
        and node.op in ("=", "IN")
    )


def _filter_joins(
    source: sa.FromClause, node: Node | None
) -> tuple[sa.FromClause, list[ColumnElement[bool]]]:
    """Join the top-level AND-ed comparisons; return the FROM and the remaining WHERE terms."""
    if node is None:
        return source, []
    conjuncts = node.items if isinstance(node, And) else (node,)
    where: list[ColumnElement[bool]] = []
    for index, item in enumerate(conjuncts):
        if not _is_lookup(item):
            where.append(_condition(item))
            continue
        assert isinstance(item, Comparison)
        alias = _KEYED_TABLES[item.entity].alias(f"filter_{index}")
        on = sa.and_(
            alias.c.run_id == runs.c.id, alias.c.key == item.key, _value_condition(alias, item)
        )
        source = source.join(alias, on)
    return source, where


def _order_clauses(
    source: sa.FromClause, order_by: Sequence[OrderBy]
) -> tuple[sa.FromClause, list[ColumnElement[Any]]]:
    """Outer-join what the order-by items need; return the FROM and its ORDER BY list."""
    clauses: list[ColumnElement[Any]] = []
    for index, item in enumerate(order_by):
        if item.entity == "attributes":
            column = runs.c[item.key]
            ordered = column.asc() if item.ascending else column.desc()
            clauses.append(ordered.nulls_last() if item.key in _NULLABLE_ATTRIBUTES else ordered)
            continue
        table = _KEYED_TABLES[item.entity]
        alias = table.alias(f"order_{index}")
        on = sa.and_(alias.c.run_id == runs.c.id, alias.c.key == item.key)
        source = source.outerjoin(alias, on)
        if item.entity == "metrics":
            rank = sa.case((alias.c.run_id.is_(None), 2), (alias.c.is_nan, 1), else_=0)
        else:
            rank = sa.case((alias.c.run_id.is_(None), 1), else_=0)
        clauses.append(rank.asc())
        clauses.append(alias.c.value.asc() if item.ascending else alias.c.value.desc())
    clauses.extend([runs.c.start_time.desc(), runs.c.id.asc()])
    return source, clauses


def build_search_query(
    project_ids: list[int],
    filter: Node | None,
    order_by: Sequence[OrderBy],
    limit: int,
    offset: int,
) -> sa.Select[Any]:
    """``SELECT runs.id`` of the runs in ``project_ids`` matching ``filter``, ordered and paged.

    ``filter`` comes from :func:`parse_filter` (``None`` matches every run) and
    ``order_by`` from :func:`parse_order_by`. Raises :class:`InvalidInputError` for a
    negative ``limit`` or ``offset``. See the module docstring for the semantics.
    """
    if limit < 0 or offset < 0:
        raise InvalidInputError(f"limit and offset must be >= 0, got {limit} and {offset}")
    if len(project_ids) == 1:
        where: ColumnElement[bool] = runs.c.project_id == project_ids[0]
    else:
        where = runs.c.project_id.in_(project_ids)
    source, terms = _filter_joins(runs, filter)
    source, clauses = _order_clauses(source, order_by)
    query = sa.select(runs.c.id).select_from(source).where(where, *terms)
    return query.order_by(*clauses).limit(limit).offset(offset)
