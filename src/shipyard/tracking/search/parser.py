"""Parse search filters and order-by clauses (a LALR grammar for lark) into the AST.

Filter syntax, by example::

    metrics.acc > 0.9 and params.lr = '0.01'
    (tags.team = 'a' OR tags.team = "b") AND attributes.status IN ('FINISHED', 'FAILED')
    metrics.`val/rmse` <= 1e-3 and params."batch size" IS NOT NULL
    metrics.loss = NaN or metrics.loss > inf

* A key is ``entity.name``. Entities: ``metrics`` (alias ``metric``), ``params`` (``param``),
  ``tags`` (``tag``), ``attributes`` (``attribute``, ``attr``, ``run``). A bare name may hold
  letters, digits, ``_``, ``-`` and ``.``; any other name is backticked or double-quoted,
  with the quote doubled inside (``metrics.`a``b```).
* Attributes: ``id`` (alias ``run_id``), ``name`` (``run_name``), ``status``, ``user``,
  ``parent_id`` (strings) and ``start_time``, ``end_time`` (integers, ms since the epoch).
* Keywords (``AND OR LIKE ILIKE IN NOT IS NULL ASC DESC``) and entity names are
  case-insensitive; ``AND`` binds tighter than ``OR``.
* Strings are single- or double-quoted, the quote doubled inside (``'it''s'``).
* Numbers: ``1``, ``-2.5``, ``.5``, ``1e-3``, ``NaN``, ``inf``, ``-Infinity``.
* Metrics and time attributes take numbers and ``= != < <= > >=``; params, tags and string
  attributes take strings and ``= != LIKE ILIKE IN NOT IN``. Every key takes ``IS NULL`` and
  ``IS NOT NULL``. Params and tags are strings: a number against them is an error that
  says to quote it.

Order-by items: ``metrics.`val/rmse` ASC``, ``params.lr DESC``, ``attributes.start_time``
or a bare attribute such as ``name`` (ascending unless ``DESC``).

Every problem raises :class:`~shipyard.core.errors.InvalidFilterError` whose ``position`` is
the 0-based offset of the offending character and whose message repeats the text with a
caret under it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final, NoReturn

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from shipyard.core.errors import InvalidFilterError
from shipyard.tracking.search.ast import (
    ATTRIBUTES,
    NUMERIC_ATTRIBUTES,
    OPERATORS,
    And,
    Comparison,
    Entity,
    Node,
    Operator,
    Or,
    OrderBy,
)

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "parse_filter", "parse_order_by"]

#: Longest filter or order-by text accepted, in characters.
MAX_LENGTH: Final = 100_000
#: Deepest nesting of parenthesised AND/OR groups accepted.
MAX_DEPTH: Final = 64

_GRAMMAR = r"""
?filter: or_expr
?or_expr: and_expr (OR and_expr)*
?and_expr: atom (AND atom)*
?atom: comparison
     | "(" or_expr ")"
comparison: key (OP | LIKE | ILIKE) value  -> cmp
          | key IN list                    -> in_list
          | key NOT IN list                -> not_in_list
          | key IS NULL                    -> is_null
          | key IS NOT NULL                -> is_not_null
list: "(" value ("," value)* ")"
?value: NUMBER | SPECIAL | SQ_STRING | DQ_STRING
key: FIELD | PREFIX (BACKTICKED | DQ_STRING)

order_by: order_item ("," order_item)*
order_item: (key | NAME) (ASC | DESC)?

FIELD.2: /[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z0-9_\-.]+/
PREFIX.2: /[A-Za-z_][A-Za-z0-9_]*\.(?=[`"])/
AND.1: /and\b/i
OR.1: /or\b/i
LIKE.1: /like\b/i
ILIKE.1: /ilike\b/i
IN.1: /in\b/i
NOT.1: /not\b/i
IS.1: /is\b/i
NULL.1: /null\b/i
ASC.1: /asc\b/i
DESC.1: /desc\b/i
SPECIAL.1: /[+-]?(nan|inf(inity)?)\b/i
NAME: /[A-Za-z_][A-Za-z0-9_]*/
OP: /!=|<=|>=|=|<|>/
NUMBER: /[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/
BACKTICKED: /`([^`]|``)*`/
SQ_STRING: /'([^']|'')*'/
DQ_STRING: /"([^"]|"")*"/

%ignore /\s+/
"""

_PARSER: Final = Lark(_GRAMMAR, parser="lalr", start=["filter", "order_by"])

_ENTITY_ALIASES: Final[dict[str, Entity]] = {
    "metrics": "metrics",
    "metric": "metrics",
    "params": "params",
    "param": "params",
    "tags": "tags",
    "tag": "tags",
    "attributes": "attributes",
    "attribute": "attributes",
    "attr": "attributes",
    "run": "attributes",
}
_ATTRIBUTE_ALIASES: Final[dict[str, str]] = {
    **{name: name for name in ATTRIBUTES},
    "run_id": "id",
    "run_name": "name",
}
_MIN_TIME: Final = -(2**63)
_MAX_TIME: Final = 2**63 - 1
_OPERATORS: Final[dict[str, Operator]] = {op: op for op in OPERATORS}
_NUMERIC_OPS: Final[frozenset[str]] = frozenset({"=", "!=", "<", "<=", ">", ">="})
_STRING_OPS: Final[frozenset[str]] = frozenset({"=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"})
_EXPECTED_NAMES: Final[dict[str, str]] = {
    "FIELD": "a key such as metrics.acc",
    "PREFIX": "a key such as metrics.acc",
    "NAME": "an attribute name",
    "BACKTICKED": "a backticked name",
    "OP": "a comparison operator",
    "NUMBER": "a number",
    "SPECIAL": "a number",
    "SQ_STRING": "a quoted string",
    "DQ_STRING": "a quoted string",
    "LPAR": "'('",
    "RPAR": "')'",
    "COMMA": "','",
    "$END": "the end of the text",
}


def _caret(text: str, pos: int) -> str:
    """The line of ``text`` holding ``pos`` and a caret line under that character."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    line = text[start : len(text) if end == -1 else end]
    column = pos - start
    if len(line) > 80:  # show a window around the position
        left = max(0, column - 40)
        line, column = line[left : left + 80], column - left
    pad = "".join("\t" if ch == "\t" else " " for ch in line[:column])
    return f"  {line}\n  {pad}^"


def _fail(text: str, pos: int, problem: str, hint: str = "") -> NoReturn:
    """Raise :class:`InvalidFilterError` for ``problem`` at offset ``pos`` of ``text``."""
    pos = max(0, min(pos, len(text)))
    detail = f"; {hint}" if hint else ""
    message = f"{problem} at position {pos}{detail}\n{_caret(text, pos)}"
    raise InvalidFilterError(message, position=pos)


def _describe_expected(expected: set[str]) -> str:
    names: list[str] = []
    for terminal in sorted(expected):
        name = _EXPECTED_NAMES.get(terminal, terminal)
        if name not in names:
            names.append(name)
    return "expected " + " or ".join(names) if names else ""


def _accepted(err: UnexpectedToken) -> set[str]:
    """The terminals the parser would have accepted (exact, unlike LALR's ``expected``)."""
    try:
        accepts = err.accepts
    except Exception:  # pragma: no cover - defensive: accepts replays the parser
        accepts = None
    return set(accepts or err.expected)


def _syntax_error(text: str, err: UnexpectedInput, what: str) -> NoReturn:
    """Turn a lark error into :class:`InvalidFilterError`."""
    if isinstance(err, UnexpectedToken):
        token = err.token
        expected = _accepted(err)
        if token.type == "$END":
            _fail(text, len(text), f"Unexpected end of {what}", _describe_expected(expected))
        pos = token.start_pos or 0
        end = token.end_pos or pos
        if token.type == "NAME" and text[end : end + 1] == ".":
            _fail(text, end + 1, f"Expected a name after '{token}.'", "e.g. metrics.acc")
        if token.type == "NAME" and what == "filter" and "FIELD" in expected:
            hint = f"keys need an entity, e.g. attributes.{token} or params.{token}"
            _fail(text, pos, f"Unqualified key '{token}'", hint)
        _fail(text, pos, f"Unexpected token '{token}'", _describe_expected(expected))
    pos = err.pos_in_stream if isinstance(err, UnexpectedCharacters) else 0
    pos = pos or 0
    char = text[pos] if pos < len(text) else ""
    if char in ("'", '"'):
        _fail(text, pos, "Unterminated string", f"close it with {char}")
    if char == "`":
        _fail(text, pos, "Unterminated backticked name", "close it with `")
    word = re.search(r"[A-Za-z0-9_]+$", text[:pos])
    if char == "." and word:
        _fail(text, pos + 1, f"Expected a name after '{word.group()}.'", "e.g. metrics.acc")
    _fail(text, pos, f"Unexpected character {char!r}")


def _parse(text: str, start: str, what: str) -> Tree[Token]:
    if len(text) > MAX_LENGTH:
        _fail(text, MAX_LENGTH, f"The {what} is too long", f"at most {MAX_LENGTH} characters")
    if "\x00" in text:  # PostgreSQL rejects NUL in strings: refuse it up front
        _fail(text, text.index("\x00"), "NUL character not allowed")
    try:
        return _PARSER.parse(text, start=start)
    except UnexpectedInput as err:
        _syntax_error(text, err, what)


def _unquote(token: Token) -> str:
    quote = token[0]
    return token[1:-1].replace(quote * 2, quote)


def _resolve_key(text: str, tree: Tree[Token]) -> tuple[Entity, str, int]:
    """``(entity, key, offset of the key part)`` of a ``key`` subtree, validated."""
    head = tree.children[0]
    assert isinstance(head, Token)
    start = head.start_pos or 0
    if head.type == "FIELD":
        prefix, _, key = head.partition(".")
    else:
        prefix = head[:-1]
        quoted = tree.children[1]
        assert isinstance(quoted, Token)
        key = _unquote(quoted)
    key_pos = start + len(prefix) + 1
    entity = _ENTITY_ALIASES.get(prefix.lower())
    if entity is None:
        _fail(
            text,
            start,
            f"Unknown entity '{prefix}'",
            "expected metrics, params, tags or attributes",
        )
    if not key:
        _fail(text, key_pos, "Empty key")
    if entity == "attributes":
        key = _resolve_attribute(text, key, key_pos)
    return entity, key, key_pos


def _resolve_attribute(text: str, key: str, pos: int) -> str:
    canonical = _ATTRIBUTE_ALIASES.get(key.lower())
    if canonical is None:
        _fail(text, pos, f"Unknown attribute '{key}'", "expected one of " + ", ".join(ATTRIBUTES))
    return canonical


def _number(token: Token) -> int | float:
    if token.type == "SPECIAL" or any(ch in token for ch in ".eE"):
        return float(token)
    try:
        return int(token)
    except ValueError:  # more digits than int() converts: as a float it is just inf
        return float(token)


def _literal(text: str, token: Token, entity: Entity, key: str) -> int | float | str:
    """Convert a value token and check it suits ``entity.key``."""
    pos = token.start_pos or 0
    numeric = entity == "metrics" or (entity == "attributes" and key in NUMERIC_ATTRIBUTES)
    if token.type in ("NUMBER", "SPECIAL"):
        number = _number(token)
        if not numeric:
            what = "params" if entity == "params" else "tags" if entity == "tags" else "attributes"
            hint = f"{what} hold strings, quote the value: '{token}'"
            _fail(text, pos, f"Number {token} compared with the string {entity}.{key}", hint)
        if entity == "attributes":
            if isinstance(number, float) and not number.is_integer():
                hint = f"{key} is an integer number of milliseconds"
                _fail(text, pos, f"Invalid time {token}", hint)
            if not _MIN_TIME <= number <= _MAX_TIME:
                _fail(text, pos, f"Time {token} out of range", "it must fit in 64 bits")
            return int(number)
        return number
    value = _unquote(token)
    if numeric:
        hint = f"{entity}.{key} takes a number; remove the quotes if {value!r} is one"
        _fail(text, pos, f"String {token} compared with a number", hint)
    return value


def _check_op(text: str, op: str, pos: int, entity: Entity, key: str) -> None:
    numeric = entity == "metrics" or (entity == "attributes" and key in NUMERIC_ATTRIBUTES)
    if op in (_NUMERIC_OPS if numeric else _STRING_OPS):
        return
    if numeric:
        hint = f"{entity}.{key} holds numbers and takes =, !=, <, <=, >, >=, IS [NOT] NULL"
    else:
        hint = (
            f"{entity}.{key} holds strings and takes =, !=, LIKE, ILIKE, IN, NOT IN,"
            " IS [NOT] NULL with quoted values"
        )
        if op in _NUMERIC_OPS:
            hint += f"; {entity} cannot be compared as numbers"
    _fail(text, pos, f"Operator {op} is not allowed here", hint)


def _comparison(text: str, tree: Tree[Token]) -> Comparison:
    key_tree = tree.children[0]
    assert isinstance(key_tree, Tree)
    entity, key, _ = _resolve_key(text, key_tree)
    first = tree.children[1]
    assert isinstance(first, Token)
    op_pos = first.start_pos or 0
    kind = tree.data
    if kind in ("is_null", "is_not_null"):
        return Comparison(entity, key, "IS NULL" if kind == "is_null" else "IS NOT NULL")
    if kind == "cmp":
        op = str(first).upper()
        _check_op(text, op, op_pos, entity, key)
        value_token = tree.children[2]
        assert isinstance(value_token, Token)
        return Comparison(entity, key, _OPERATORS[op], _literal(text, value_token, entity, key))
    op = "IN" if kind == "in_list" else "NOT IN"
    _check_op(text, op, op_pos, entity, key)
    items = tree.children[-1]
    assert isinstance(items, Tree)
    values: list[str] = []
    for token in items.children:
        assert isinstance(token, Token)
        literal = _literal(text, token, entity, key)
        assert isinstance(literal, str)
        values.append(literal)
    return Comparison(entity, key, _OPERATORS[op], tuple(values))


def _build(text: str, tree: Tree[Token], depth: int) -> Node:
    """Turn a parse tree into a normalised :data:`Node`."""
    if tree.data not in ("or_expr", "and_expr"):
        return _comparison(text, tree)
    if depth > MAX_DEPTH:
        first = tree.children[0]
        pos = _first_pos(first) if isinstance(first, Tree) else 0
        _fail(text, pos, "The filter is nested too deeply", f"at most {MAX_DEPTH} levels")
    cls = Or if tree.data == "or_expr" else And
    items: list[Node] = []
    for child in tree.children:
        if isinstance(child, Token):  # the AND / OR keyword
            continue
        node = _build(text, child, depth + 1)
        items.extend(node.items if isinstance(node, cls) else (node,))
    return cls(tuple(items))


def _first_pos(tree: Tree[Token]) -> int:
    """Offset of the first token under ``tree`` (iterative: the tree may be very deep)."""
    node: Tree[Token] | Token = tree
    while isinstance(node, Tree) and node.children:
        node = node.children[0]
    return int(node.start_pos or 0) if isinstance(node, Token) else 0


def parse_filter(text: str | None) -> Node | None:
    """Parse a run search filter; ``None``, empty or all-whitespace text means no filter.

    Raises :class:`InvalidFilterError` (with ``position``) for any malformed filter.
    """
    if text is None or not text.strip():
        return None
    return _build(text, _parse(text, "filter", "filter"), 0)


def _order_item(text: str, tree: Tree[Token]) -> OrderBy:
    head = tree.children[0]
    if isinstance(head, Tree):
        entity, key, _ = _resolve_key(text, head)
    else:
        assert isinstance(head, Token)
        entity, key = "attributes", _resolve_attribute(text, str(head), head.start_pos or 0)
    ascending = len(tree.children) < 2 or str(tree.children[1]).upper() == "ASC"
    return OrderBy(entity, key, ascending)


def parse_order_by(order_by: str | Sequence[str] | None) -> list[OrderBy]:
    """Parse order-by items, given as one comma-separated string or a list of strings.

    Empty strings are skipped; ``None`` gives ``[]``. Positions in errors are offsets into
    the string (list element) at fault.
    """
    if order_by is None:
        return []
    texts = [order_by] if isinstance(order_by, str) else list(order_by)
    result: list[OrderBy] = []
    for text in texts:
        if not isinstance(text, str):
            raise InvalidFilterError(f"Order-by items must be strings, not {type(text).__name__}")
        if not text.strip():
            continue
        tree = _parse(text, "order_by", "order-by clause")
        for item in tree.children:
            assert isinstance(item, Tree)
            result.append(_order_item(text, item))
    return result
