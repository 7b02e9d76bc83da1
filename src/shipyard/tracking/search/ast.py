"""The syntax tree of the run search language, and its rendering back to filter text.

A parsed filter is a :data:`Node`: a :class:`Comparison`, or an :class:`And` / :class:`Or`
of nodes. The parser returns *normalised* trees: ``And``/``Or`` hold at least two items
and never directly hold a node of their own kind (``a and (b and c)`` becomes one ``And``
of three items). Names are canonical: the entity is one of :data:`ENTITIES` and attribute
keys are canonical (``run_id`` becomes ``id``, ``run_name`` becomes ``name``).

Values are ``int`` or ``float`` (numbers, including ``nan`` and ``inf``), ``str`` (quoted
strings), ``tuple[str, ...]`` (the list after ``IN`` / ``NOT IN``) or ``None`` (after
``IS NULL`` / ``IS NOT NULL``). Because ``nan != nan`` in Python, :class:`Comparison`
defines equality so that two comparisons with a NaN value are equal; this keeps
``parse_filter(render(node)) == node`` true for every tree.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

__all__ = [
    "ATTRIBUTES",
    "ENTITIES",
    "NUMERIC_ATTRIBUTES",
    "OPERATORS",
    "And",
    "Comparison",
    "Entity",
    "Node",
    "Operator",
    "Or",
    "OrderBy",
    "Value",
    "render",
    "render_order_by",
]

Entity: TypeAlias = Literal["metrics", "params", "tags", "attributes"]
Operator: TypeAlias = Literal[
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "LIKE",
    "ILIKE",
    "IN",
    "NOT IN",
    "IS NULL",
    "IS NOT NULL",
]
Value: TypeAlias = int | float | str | tuple[str, ...] | None

ENTITIES: Final[tuple[Entity, ...]] = ("metrics", "params", "tags", "attributes")
OPERATORS: Final[tuple[Operator, ...]] = (
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "LIKE",
    "ILIKE",
    "IN",
    "NOT IN",
    "IS NULL",
    "IS NOT NULL",
)
#: Canonical attribute names (the columns of ``runs`` a filter may use).
ATTRIBUTES: Final[tuple[str, ...]] = (
    "id",
    "name",
    "status",
    "user",
    "start_time",
    "end_time",
    "parent_id",
)
#: Attributes compared with numbers (milliseconds since the epoch); the rest hold strings.
NUMERIC_ATTRIBUTES: Final[frozenset[str]] = frozenset({"start_time", "end_time"})

_NAN_KEY: Final = object()
_BARE_KEY = re.compile(r"[A-Za-z0-9_\-.]+")


def _value_key(value: Value) -> object:
    """A stand-in for ``value`` that compares equal to itself even when it is NaN."""
    if isinstance(value, float) and math.isnan(value):
        return _NAN_KEY
    return value


@dataclass(frozen=True, eq=False)
class Comparison:
    """``entity.key op value``, e.g. ``Comparison("metrics", "acc", ">", 0.9)``."""

    entity: Entity
    key: str
    op: Operator
    value: Value = None

    def _eq_key(self) -> tuple[object, ...]:
        return (self.entity, self.key, self.op, _value_key(self.value))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Comparison):
            return NotImplemented
        return self._eq_key() == other._eq_key()

    def __hash__(self) -> int:
        return hash(self._eq_key())


@dataclass(frozen=True)
class And:
    """All of ``items`` hold."""

    items: tuple[Node, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))


@dataclass(frozen=True)
class Or:
    """At least one of ``items`` holds."""

    items: tuple[Node, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))


Node: TypeAlias = Comparison | And | Or


@dataclass(frozen=True)
class OrderBy:
    """One order-by item: sort runs by ``entity.key``, ascending unless told otherwise."""

    entity: Entity
    key: str
    ascending: bool = True


def _render_key(entity: str, key: str) -> str:
    if _BARE_KEY.fullmatch(key):
        return f"{entity}.{key}"
    return f"{entity}.`{key.replace('`', '``')}`"


def _render_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _render_value(value: Value) -> str:
    if isinstance(value, str):
        return _render_string(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(_render_string(v) for v in value) + ")"
    if isinstance(value, bool) or value is None:
        raise TypeError(f"cannot render the value {value!r}")
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
    return repr(value)


def render(node: Node) -> str:
    """Turn a filter tree back into filter text that :func:`parse_filter` reads back.

    Nested ``And``/``Or`` nodes are always parenthesised, strings are single-quoted and
    keys that are not plain identifiers are backticked.
    """
    if isinstance(node, Comparison):
        head = f"{_render_key(node.entity, node.key)} {node.op}"
        if node.op in ("IS NULL", "IS NOT NULL"):
            return head
        return f"{head} {_render_value(node.value)}"
    joiner = " and " if isinstance(node, And) else " or "
    parts = [
        render(item) if isinstance(item, Comparison) else f"({render(item)})" for item in node.items
    ]
    return joiner.join(parts)


def render_order_by(items: list[OrderBy]) -> str:
    """Turn order-by items back into text, e.g. ``metrics.`val/rmse` ASC, params.lr DESC``."""
    return ", ".join(
        f"{_render_key(item.entity, item.key)} {'ASC' if item.ascending else 'DESC'}"
        for item in items
    )
