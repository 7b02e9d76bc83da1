"""The run search language: parse filters and order-by clauses, compile them to SQL.

>>> node = parse_filter("metrics.acc > 0.9 and params.lr = '0.01'")
>>> order = parse_order_by(["metrics.acc DESC"])
>>> query = build_search_query([project_id], node, order, limit=100, offset=0)

The grammar is documented in :mod:`shipyard.tracking.search.parser`, the SQL semantics
(missing keys, NaN, NULL ordering) in :mod:`shipyard.tracking.search.sql`.
"""

from shipyard.tracking.search.ast import (
    ATTRIBUTES,
    ENTITIES,
    NUMERIC_ATTRIBUTES,
    OPERATORS,
    And,
    Comparison,
    Entity,
    Node,
    Operator,
    Or,
    OrderBy,
    Value,
    render,
    render_order_by,
)
from shipyard.tracking.search.parser import parse_filter, parse_order_by
from shipyard.tracking.search.sql import build_search_query

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
    "build_search_query",
    "parse_filter",
    "parse_order_by",
    "render",
    "render_order_by",
]
