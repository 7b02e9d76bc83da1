"""Property tests: render/parse round trips, and no input crashes the parser."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipyard.core.errors import InvalidFilterError
from shipyard.tracking.search import (
    ATTRIBUTES,
    NUMERIC_ATTRIBUTES,
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

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

chars = st.characters(exclude_characters="\x00")  # NUL is rejected (PostgreSQL refuses it)
keys = st.text(chars, min_size=1, max_size=12)
strings = st.text(chars, max_size=12)
numbers = st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True))
NUMERIC_OPS = ("=", "!=", "<", "<=", ">", ">=")
STRING_OPS = ("=", "!=", "LIKE", "ILIKE")
NULL_OPS = ("IS NULL", "IS NOT NULL")
STRING_ATTRIBUTES = [a for a in ATTRIBUTES if a not in NUMERIC_ATTRIBUTES]


def _string_comparisons(
    entity: str, key_strategy: st.SearchStrategy[str]
) -> st.SearchStrategy[Comparison]:
    return st.one_of(
        st.builds(Comparison, st.just(entity), key_strategy, st.sampled_from(STRING_OPS), strings),
        st.builds(
            Comparison,
            st.just(entity),
            key_strategy,
            st.sampled_from(("IN", "NOT IN")),
            st.lists(strings, min_size=1, max_size=4).map(tuple),
        ),
    )


comparisons: st.SearchStrategy[Comparison] = st.one_of(
    st.builds(Comparison, st.just("metrics"), keys, st.sampled_from(NUMERIC_OPS), numbers),
    st.builds(
        Comparison,
        st.just("attributes"),
        st.sampled_from(sorted(NUMERIC_ATTRIBUTES)),
        st.sampled_from(NUMERIC_OPS),
        st.integers(min_value=-(2**63), max_value=2**63 - 1),
    ),
    _string_comparisons("params", keys),
    _string_comparisons("tags", keys),
    _string_comparisons("attributes", st.sampled_from(STRING_ATTRIBUTES)),
    st.builds(
        Comparison,
        st.sampled_from(("metrics", "params", "tags")),
        keys,
        st.sampled_from(NULL_OPS),
        st.none(),
    ),
    st.builds(
        Comparison,
        st.just("attributes"),
        st.sampled_from(ATTRIBUTES),
        st.sampled_from(NULL_OPS),
        st.none(),
    ),
)


def _combine(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    """Normalised And/Or nodes: two or more items, none of the node's own kind."""
    items = st.lists(children, min_size=2, max_size=4)
    return st.one_of(
        items.filter(lambda xs: not any(isinstance(x, And) for x in xs)).map(
            lambda xs: And(tuple(xs))
        ),
        items.filter(lambda xs: not any(isinstance(x, Or) for x in xs)).map(
            lambda xs: Or(tuple(xs))
        ),
    )


trees: st.SearchStrategy[Node] = st.recursive(comparisons, _combine, max_leaves=12)


@SETTINGS
@given(trees)
def test_render_then_parse_gives_the_same_tree(node: Node) -> None:
    text = render(node)
    assert parse_filter(text) == node, text


order_items = st.builds(
    OrderBy,
    st.sampled_from(("metrics", "params", "tags")),
    keys,
    st.booleans(),
) | st.builds(OrderBy, st.just("attributes"), st.sampled_from(ATTRIBUTES), st.booleans())


@SETTINGS
@given(st.lists(order_items, min_size=1, max_size=4))
def test_render_then_parse_order_by(items: list[OrderBy]) -> None:
    assert parse_order_by(render_order_by(items)) == items


TOKENS = [
    "metrics.x", "params.lr", "tags.t", "attributes.status", "attributes.start_time", "name",
    "metrics.`a b`", 'metrics."q"', "foo.x", "metrics.", "`", "'", '"', "'a'", '"b"', "'it''s'",
    "1", "-2.5", "1e3", "NaN", "inf", "=", "!=", "<", "<=", ">", ">=", "==", "LIKE", "ilike",
    "IN", "NOT", "IS", "NULL", "and", "OR", "(", ")", ",", "ASC", "desc", "&", ".", "\n", "\\",
]  # fmt: skip
token_soup = st.lists(st.sampled_from(TOKENS), max_size=12).map(" ".join)
squashed_soup = st.lists(st.sampled_from(TOKENS), max_size=12).map("".join)
any_text = st.one_of(st.text(max_size=40), token_soup, squashed_soup)


@SETTINGS
@given(any_text)
def test_parse_filter_only_raises_invalid_filter(text: str) -> None:
    try:
        node = parse_filter(text)
    except InvalidFilterError as err:
        assert err.position is not None
        assert 0 <= err.position <= len(text)
        assert f"at position {err.position}" in err.message
    else:
        if node is not None:
            assert parse_filter(render(node)) == node


@SETTINGS
@given(st.one_of(any_text, st.lists(any_text, max_size=3)))
def test_parse_order_by_only_raises_invalid_filter(value: str | list[str]) -> None:
    try:
        items = parse_order_by(value)
    except InvalidFilterError as err:
        assert err.position is not None
    else:
        assert parse_order_by(render_order_by(items)) == items
