"""The model filter language: parsing errors with positions, and LIKE semantics checked
against a reference matcher on SQLite and PostgreSQL (a property test)."""

from __future__ import annotations

import contextlib
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipyard.core.errors import InvalidFilterError
from shipyard.registry import RegistryService
from shipyard.registry.search import Clause, compile_order, parse_filter


def test_parses_clauses() -> None:
    assert parse_filter(
        "name LIKE 'a%' and tags.`my key` = \"it's\" AND alias = 'champion' "
        "AND description ILIKE '%x%' AND tags.team != 'o''neil'"
    ) == [
        Clause("name", "LIKE", "a%"),
        Clause("tags", "=", "it's", "my key"),
        Clause("alias", "=", "champion"),
        Clause("description", "ILIKE", "%x%"),
        Clause("tags", "!=", "o'neil", "team"),
    ]
    assert parse_filter(None) == [] and parse_filter("  ") == []


@pytest.mark.parametrize(
    ("text", "position", "why"),
    [
        ("name", 4, "expected an operator"),
        ("name =", 6, "expected a quoted string"),
        ("name = 'x' AND", 14, "expected an attribute"),
        ("owner = 'x'", 0, "unknown attribute 'owner'"),
        ("name ~ 'x'", 5, "unexpected \"~ 'x'\""),
        ("name = x", 7, "expected a quoted string"),
        ("name = 'x' OR name = 'y'", 11, "OR is not supported"),
        ("name = 'x' name = 'y'", 11, "expected AND"),
        ("alias LIKE 'c%'", 6, "alias supports only ="),
        ("name = 'unterminated", 7, "unexpected"),
    ],
)
def test_errors_point_at_the_problem(text: str, position: int, why: str) -> None:
    with pytest.raises(InvalidFilterError) as info:
        parse_filter(text)
    assert info.value.position == position
    assert why in info.value.message and "^" in info.value.message


def test_order_by_is_checked() -> None:
    assert len(compile_order(["created_at DESC", "name"])) == 3
    for bad in ("version", "name SIDEWAYS", "name ASC extra", ""):
        with pytest.raises(InvalidFilterError):
            compile_order(bad)


@given(st.text(max_size=60))
def test_parser_only_raises_filter_errors(text: str) -> None:
    with contextlib.suppress(InvalidFilterError):
        parse_filter(text)


def _like(pattern: str, value: str, *, ignore_case: bool) -> bool:
    """Reference LIKE: % any run, _ one char, backslash escapes."""
    out, escaped = [], False
    for ch in pattern:
        if escaped:
            out.append(re.escape(ch))
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(re.escape(ch))
    flags = re.S | (re.I if ignore_case else 0)
    return re.fullmatch("".join(out), value, flags) is not None


TEXTS = ["Energy-a", "energy-b", "energy_c", "ENERGY.d", "e[x]-1", "e*x?-2", "other", "e%_\\"]
PATTERN = st.text(alphabet="eEnrgy-_%.[]*?\\xa", max_size=8).filter(lambda p: not p.endswith("\\"))


@pytest.fixture
def named(registry: RegistryService) -> RegistryService:
    for i, text in enumerate(TEXTS):  # descriptions may hold GLOB's special characters
        registry.create_registered_model(f"m{i}", description=text)
    return registry


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pattern=PATTERN, ignore_case=st.booleans())
def test_like_matches_the_reference(
    named: RegistryService, pattern: str, ignore_case: bool
) -> None:
    op = "ILIKE" if ignore_case else "LIKE"
    quoted = pattern.replace("'", "''")
    found = [m.description for m in named.search_registered_models(f"description {op} '{quoted}'")]
    assert found == [t for t in TEXTS if _like(pattern, t, ignore_case=ignore_case)]
