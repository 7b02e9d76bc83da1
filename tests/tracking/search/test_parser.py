"""parse_filter / parse_order_by: exact trees for valid text, positioned errors otherwise."""

from __future__ import annotations

import math

import pytest

from shipyard.core.errors import InvalidFilterError
from shipyard.tracking.search import (
    And,
    Comparison,
    Node,
    Or,
    OrderBy,
    parse_filter,
    parse_order_by,
    render,
    render_order_by,
)

C = Comparison


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metrics.x > 0.9", C("metrics", "x", ">", 0.9)),
        ("metrics.val_loss <= 1", C("metrics", "val_loss", "<=", 1)),
        ("metrics.a-b.c >= -2", C("metrics", "a-b.c", ">=", -2)),
        ("metrics.0 = 1", C("metrics", "0", "=", 1)),
        ("metrics.x != 1e-3", C("metrics", "x", "!=", 0.001)),
        ("metrics.x < +2.5E+2", C("metrics", "x", "<", 250.0)),
        ("metrics.x > .5", C("metrics", "x", ">", 0.5)),
        ("metrics.x > " + "9" * 5000, C("metrics", "x", ">", math.inf)),
        ("attributes.end_time < -9223372036854775808", C("attributes", "end_time", "<", -(2**63))),
        ("metrics.x > 5.", C("metrics", "x", ">", 5.0)),
        ("metrics.x > inf", C("metrics", "x", ">", math.inf)),
        ("metrics.x > -Infinity", C("metrics", "x", ">", -math.inf)),
        ("metrics.x = NaN", C("metrics", "x", "=", math.nan)),
        ("metrics.x = nan", C("metrics", "x", "=", math.nan)),
        ("metrics.`val/rmse` < 1", C("metrics", "val/rmse", "<", 1)),
        ("metrics.`a b` < 1", C("metrics", "a b", "<", 1)),
        ("metrics.`a``b` < 1", C("metrics", "a`b", "<", 1)),
        ('metrics."val loss" < 1', C("metrics", "val loss", "<", 1)),
        ('metrics."say ""hi""" < 1', C("metrics", 'say "hi"', "<", 1)),
        ("metric.x = 1", C("metrics", "x", "=", 1)),
        ("Metrics.x = 1", C("metrics", "x", "=", 1)),
        ("metrics.x IS NULL", C("metrics", "x", "IS NULL")),
        ("metrics.x is not null", C("metrics", "x", "IS NOT NULL")),
        ("params.lr = '0.01'", C("params", "lr", "=", "0.01")),
        ('param.lr = "0.01"', C("params", "lr", "=", "0.01")),
        ("params.s = 'it''s'", C("params", "s", "=", "it's")),
        ('params.s = "say ""x"""', C("params", "s", "=", 'say "x"')),
        ("params.s = ''", C("params", "s", "=", "")),
        ("params.s = 'a and b or c'", C("params", "s", "=", "a and b or c")),
        ("params.opt like 'ad%'", C("params", "opt", "LIKE", "ad%")),
        ("params.opt ILIKE '%AM'", C("params", "opt", "ILIKE", "%AM")),
        ("params.opt IN ('a','b')", C("params", "opt", "IN", ("a", "b"))),
        ("params.opt in ( 'a' )", C("params", "opt", "IN", ("a",))),
        ("params.opt NOT IN ('a', \"b\")", C("params", "opt", "NOT IN", ("a", "b"))),
        ("params.opt not   in('a')", C("params", "opt", "NOT IN", ("a",))),
        ("params.opt IS NULL", C("params", "opt", "IS NULL")),
        ("tags.team != 'a'", C("tags", "team", "!=", "a")),
        ("tag.`mlflow.user` = 'x'", C("tags", "mlflow.user", "=", "x")),
        ("tags.mlflow.user = 'x'", C("tags", "mlflow.user", "=", "x")),
        ("attributes.status = 'FINISHED'", C("attributes", "status", "=", "FINISHED")),
        ("attribute.run_id = 'abc'", C("attributes", "id", "=", "abc")),
        ("attr.run_name LIKE 'x%'", C("attributes", "name", "LIKE", "x%")),
        ("run.name = 'x'", C("attributes", "name", "=", "x")),
        ("attributes.user = 'ann'", C("attributes", "user", "=", "ann")),
        ("attributes.parent_id IS NULL", C("attributes", "parent_id", "IS NULL")),
        ("attributes.Status = 'x'", C("attributes", "status", "=", "x")),
        (
            "attributes.start_time >= 1700000000000",
            C("attributes", "start_time", ">=", 1700000000000),
        ),
        ("attributes.end_time < 1e3", C("attributes", "end_time", "<", 1000)),
        ("attributes.end_time IS NOT NULL", C("attributes", "end_time", "IS NOT NULL")),
        ("  metrics.x>1  ", C("metrics", "x", ">", 1)),
        ("metrics.x>=-1", C("metrics", "x", ">=", -1)),
        ("((metrics.x > 1))", C("metrics", "x", ">", 1)),
        ("metrics.and > 1", C("metrics", "and", ">", 1)),
    ],
)
def test_single_comparisons(text: str, expected: Node) -> None:
    assert parse_filter(text) == expected


X = C("metrics", "x", ">", 0.9)
LR = C("params", "lr", "=", "0.01")
TEAM = C("tags", "team", "!=", "a")
STATUS = C("attributes", "status", "=", "FINISHED")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "metrics.x > 0.9 and params.lr = '0.01' and tags.team != 'a' "
            "and attributes.status = 'FINISHED'",
            And((X, LR, TEAM, STATUS)),
        ),
        ("metrics.x > 0.9 AND params.lr = '0.01'", And((X, LR))),
        ("metrics.x > 0.9 or params.lr = '0.01'", Or((X, LR))),
        ("metrics.x > 0.9 or params.lr = '0.01' and tags.team != 'a'", Or((X, And((LR, TEAM))))),
        ("metrics.x > 0.9 and params.lr = '0.01' or tags.team != 'a'", Or((And((X, LR)), TEAM))),
        ("metrics.x > 0.9 and (params.lr = '0.01' or tags.team != 'a')", And((X, Or((LR, TEAM))))),
        ("(metrics.x > 0.9 and params.lr = '0.01') and tags.team != 'a'", And((X, LR, TEAM))),
        ("metrics.x > 0.9 or (params.lr = '0.01' or tags.team != 'a')", Or((X, LR, TEAM))),
        (
            "(metrics.x > 0.9 or params.lr = '0.01') and (tags.team != 'a' or "
            "attributes.status = 'FINISHED')",
            And((Or((X, LR)), Or((TEAM, STATUS)))),
        ),
        ("metrics.x > 0.9\nand\tparams.lr = '0.01'", And((X, LR))),
    ],
)
def test_boolean_structure(text: str, expected: Node) -> None:
    assert parse_filter(text) == expected


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t "])
def test_empty_filter_is_none(text: str | None) -> None:
    assert parse_filter(text) is None


def test_nan_comparisons_are_equal_and_hashable() -> None:
    a, b = parse_filter("metrics.x = NaN"), parse_filter("metrics.x = nan")
    assert a == b
    assert hash(a) == hash(b)
    assert a != parse_filter("metrics.x = 1")
    assert And([X, LR]) == And((X, LR))  # type: ignore[arg-type]  # lists become tuples


def _fails(text: str, position: int, *words: str) -> InvalidFilterError:
    with pytest.raises(InvalidFilterError) as info:
        parse_filter(text)
    err = info.value
    assert err.position == position, err.message
    assert f"at position {position}" in err.message
    assert err.details["position"] == position
    for word in words:
        assert word in err.message, err.message
    return err


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("metrics.x >> 1", 11, ["Unexpected token '>'", "a number"]),
        ("metrics.x > 'a'", 12, ["String 'a'", "number"]),
        ("metrics.x = '1'", 12, ["remove the quotes"]),
        ("params.lr > 1", 10, ["Operator >", "strings"]),
        ("params.lr = 1", 12, ["Number 1", "quote the value"]),
        ("params.lr = 0.01", 12, ["quote the value: '0.01'"]),
        ("tags.t IN ('a', 2)", 16, ["Number 2", "quote"]),
        ("attributes.status = 1", 20, ["quote"]),
        ("foo.x = 1", 0, ["Unknown entity 'foo'"]),
        ("params.x = 'abc", 11, ["Unterminated string"]),
        ('params.x = "abc', 11, ["Unterminated string"]),
        ("metrics.`abc > 1", 8, ["Unterminated backticked"]),
        ("metrics.x >", 11, ["Unexpected end of filter", "a number"]),
        ("metrics.x > ", 12, ["Unexpected end"]),
        ("metrics.x", 9, ["Unexpected end", "comparison operator"]),
        ("attributes.nope = 'x'", 11, ["Unknown attribute 'nope'", "start_time"]),
        ("attributes.start_time = 'x'", 24, ["String 'x'"]),
        ("attributes.start_time > 1.5", 24, ["milliseconds"]),
        ("attributes.start_time > NaN", 24, ["Invalid time"]),
        ("attributes.start_time > 1e300", 24, ["out of range"]),
        ("attributes.end_time < -9223372036854775809", 22, ["out of range"]),
        ("attributes.start_time LIKE '1%'", 22, ["Operator LIKE"]),
        ("status = 'x'", 0, ["Unqualified key 'status'", "attributes.status"]),
        ("metrics.x LIKE 'a%'", 10, ["Operator LIKE", "numbers"]),
        ("metrics.x IN (1, 2)", 10, ["Operator IN"]),
        ("metrics.x NOT IN (1)", 10, ["Operator NOT IN"]),
        ("metrics.x == 1", 11, ["Unexpected token '='"]),
        ("metrics.x > 1 and", 17, ["Unexpected end"]),
        ("metrics.x > 1 and or metrics.y > 1", 18, ["Unexpected token 'or'"]),
        ("metrics.x > 1 andy", 14, ["Unexpected token 'andy'", "AND"]),
        ("metrics.x > 1 metrics.y > 1", 14, ["Unexpected token 'metrics.y'"]),
        ("(metrics.x > 1", 14, ["Unexpected end", "')'"]),
        ("metrics.x > 1)", 13, ["Unexpected token ')'"]),
        ("()", 1, ["Unexpected token ')'"]),
        ("metrics.x > 1 & metrics.y > 1", 14, ["Unexpected character '&'"]),
        ("params.x IN ()", 13, ["Unexpected token ')'"]),
        ("params.x IN 'a'", 12, ["'('"]),
        ("params.x IN ('a',)", 17, ["Unexpected token ')'"]),
        ("params.x IS 'a'", 12, ["Unexpected token"]),
        ("params.x IS NOT", 15, ["Unexpected end"]),
        ("metrics.`` > 1", 8, ["Empty key"]),
        ("params.\"\" = 'x'", 7, ["Empty key"]),
        ("metrics. x > 1", 8, ["Expected a name after 'metrics.'"]),
        ("metrics.", 8, ["Expected a name after 'metrics.'"]),
        ("metrics.x > 1abc", 13, ["Unexpected token 'abc'"]),
        ("metrics.x > nano", 12, ["Unexpected"]),
        ("tags.t = 'a'\n and metrics.y > 'b'", 30, ["String 'b'"]),
        ("tags.t = 'a\x00'", 11, ["NUL character"]),
    ],
)
def test_errors_point_at_the_problem(text: str, position: int, words: list[str]) -> None:
    _fails(text, position, *words)


def test_error_message_shows_a_caret_under_the_position() -> None:
    err = _fails("metrics.x >> 1", 11)
    lines = err.message.splitlines()
    assert lines[0].startswith("Unexpected token '>' at position 11")
    assert lines[1] == "  metrics.x >> 1"
    assert lines[2] == "  " + " " * 11 + "^"


def test_caret_on_the_right_line_of_multiline_text() -> None:
    err = _fails("tags.t = 'a'\n and metrics.y > 'b'", 30)
    lines = err.message.splitlines()
    assert lines[1] == "   and metrics.y > 'b'"
    assert lines[2].index("^") == 2 + 30 - 13


def test_caret_at_end_of_text() -> None:
    err = _fails("metrics.x >", 11)
    assert err.message.splitlines()[-1] == "  " + " " * 11 + "^"


def test_long_and_deep_filters_are_rejected_cleanly() -> None:
    with pytest.raises(InvalidFilterError, match="too long"):
        parse_filter("metrics.x > 1 and " * 10_000 + "metrics.x > 1")
    deep = "metrics.x > 1"
    for i in range(4000):  # deeper than Python's recursion limit
        joiner = " and " if i % 2 else " or "
        deep = f"metrics.x > 1{joiner}({deep})"
    with pytest.raises(InvalidFilterError, match="nested too deeply"):
        parse_filter(deep)


def test_render_round_trips_examples() -> None:
    text = (
        "metrics.`val/rmse` <= -1e-3 or (tags.\"a b\" IN ('x', 'y''z') and "
        "attributes.parent_id IS NOT NULL) or metrics.l = NaN"
    )
    node = parse_filter(text)
    assert node is not None
    assert render(node) == (
        "metrics.`val/rmse` <= -0.001 or (tags.`a b` IN ('x', 'y''z') and "
        "attributes.parent_id IS NOT NULL) or metrics.l = NaN"
    )
    assert parse_filter(render(node)) == node


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("metrics.`val/rmse` ASC", [OrderBy("metrics", "val/rmse", True)]),
        ("params.lr DESC", [OrderBy("params", "lr", False)]),
        ("attributes.start_time", [OrderBy("attributes", "start_time", True)]),
        ("name", [OrderBy("attributes", "name", True)]),
        ("run_id desc", [OrderBy("attributes", "id", False)]),
        ("start_time DESC", [OrderBy("attributes", "start_time", False)]),
        ('tags."a, b" asc', [OrderBy("tags", "a, b", True)]),
        ("metric.x", [OrderBy("metrics", "x", True)]),
        (
            "metrics.a DESC, params.b, name",
            [
                OrderBy("metrics", "a", False),
                OrderBy("params", "b", True),
                OrderBy("attributes", "name", True),
            ],
        ),
        (
            ["metrics.a DESC", "", "  ", "params.b, status"],
            [
                OrderBy("metrics", "a", False),
                OrderBy("params", "b", True),
                OrderBy("attributes", "status", True),
            ],
        ),
        (None, []),
        ("", []),
        ([], []),
    ],
)
def test_order_by(value: str | list[str] | None, expected: list[OrderBy]) -> None:
    assert parse_order_by(value) == expected


@pytest.mark.parametrize(
    ("value", "position", "words"),
    [
        ("nope", 0, ["Unknown attribute 'nope'"]),
        ("metrics.x ASC DESC", 14, ["Unexpected token 'DESC'", "','"]),
        ("metrics.x up", 10, ["Unexpected token 'up'"]),
        ("foo.x", 0, ["Unknown entity 'foo'"]),
        ("attributes.nope DESC", 11, ["Unknown attribute"]),
        ("metrics.x,", 10, ["Unexpected end of order-by clause"]),
        ("metrics.`x", 8, ["Unterminated backticked"]),
        ("metrics.x > 1", 10, ["Unexpected token '>'"]),
        ("name.", 5, ["Expected a name after 'name.'"]),
    ],
)
def test_order_by_errors(value: str, position: int, words: list[str]) -> None:
    with pytest.raises(InvalidFilterError) as info:
        parse_order_by(value)
    assert info.value.position == position, info.value.message
    for word in words:
        assert word in info.value.message, info.value.message


def test_order_by_rejects_non_strings() -> None:
    with pytest.raises(InvalidFilterError):
        parse_order_by([1])  # type: ignore[list-item]


def test_render_order_by_round_trips() -> None:
    items = parse_order_by("metrics.`val/rmse` ASC, params.lr DESC, name")
    assert render_order_by(items) == "metrics.`val/rmse` ASC, params.lr DESC, attributes.name ASC"
    assert parse_order_by(render_order_by(items)) == items
