"""``models:/`` URIs: the forms, the errors, and a parse/format round trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shipyard.core.errors import InvalidInputError
from shipyard.registry import ModelStage, ModelUri, parse_model_uri


def test_forms() -> None:
    assert parse_model_uri("models:/clf/3") == ModelUri("clf", version=3)
    assert parse_model_uri("models:/clf/v12") == ModelUri("clf", version=12)
    assert parse_model_uri("models:/clf@champion") == ModelUri("clf", alias="champion")
    assert parse_model_uri("models:/clf/latest") == ModelUri("clf", latest=True)
    assert parse_model_uri("models:/clf/production") == ModelUri("clf", stage=ModelStage.PRODUCTION)


@pytest.mark.parametrize(
    "bad",
    ["", "clf/3", "model:/clf/3", "models:/", "models:/clf", "models:/clf/", "models:/clf/3/4",
     "models:/clf/0", "models:/clf/Prod", "models:/clf@", "models:/clf@v3", "models:/a/b@c",
     "models:/clf@x@y", "models://clf/3", "models:/" + "x" * 700],
)  # fmt: skip
def test_malformed(bad: str) -> None:
    with pytest.raises(InvalidInputError, match="URI"):
        parse_model_uri(bad)


NAME = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,30}", fullmatch=True)
ALIAS = st.from_regex(r"[A-Za-z][A-Za-z0-9._-]{0,20}", fullmatch=True).filter(
    lambda a: (
        a.lower() not in {"latest", "none", "staging", "production", "archived"}
        and not (a[0] in "vV" and a[1:].isdigit())
    )
)


@given(
    NAME,
    st.one_of(
        st.integers(1, 2**31 - 1).map(lambda v: {"version": v}),
        ALIAS.map(lambda a: {"alias": a}),
        st.sampled_from(list(ModelStage)).map(lambda s: {"stage": s}),
        st.just({"latest": True}),
    ),
)
def test_round_trip(name: str, selector: dict[str, object]) -> None:
    uri = ModelUri(name, **selector)  # type: ignore[arg-type]
    assert parse_model_uri(str(uri)) == uri
