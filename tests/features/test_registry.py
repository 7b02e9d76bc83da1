"""Definitions: versioned by content; removed ones reported, deleted only when asked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from features.conftest import AIRPORT, items, weather_service, weather_view
from shipyard.core.errors import FeatureNotFoundError, InvalidInputError
from shipyard.features import (
    Entity,
    FeatureService,
    FeatureView,
    Field,
    FileSource,
    SqlSource,
    definition_from_spec,
    spec_digest,
)
from shipyard.features.service import FeatureStoreService


def test_apply_versions_only_changed_definitions(service: FeatureStoreService) -> None:
    first = service.apply(items(AIRPORT, weather_view(), weather_service()))
    assert first.created == ["entity:airport", "view:weather", "service:svc"]
    again = service.apply(items(AIRPORT, weather_view(), weather_service()))
    assert again.unchanged == first.created and again.created == again.updated == []
    changed = weather_view(fields=[Field("temp"), Field("wind"), Field("humid")])
    third = service.apply(items(AIRPORT, changed, weather_service()))
    assert third.updated == ["view:weather"] and third.versions["view:weather"] == 2
    assert [v.version for v in service.definition_versions("view", "weather")] == [1, 2]
    assert service.get_definition("view", "weather", 1).spec["schema"][-1]["name"] == "wind"
    assert service.get_definition("view", "weather").version == 2


def test_removed_definitions_are_reported_then_deleted_on_request(
    service: FeatureStoreService,
) -> None:
    service.apply(items(AIRPORT, weather_view(), weather_service()))
    kept = service.apply(items(AIRPORT, weather_view()))
    assert kept.removed == ["service:svc"] and kept.deleted == []
    assert service.get_definition("service", "svc").version == 1
    gone = service.apply(items(AIRPORT, weather_view()), delete=True)
    assert gone.deleted == ["service:svc"]
    with pytest.raises(FeatureNotFoundError):
        service.get_definition("service", "svc")
    assert [r.name for r in service.list_definitions()] == ["airport", "weather"]
    back = service.apply(items(AIRPORT, weather_view(), weather_service()))
    assert back.updated == ["service:svc"] and back.versions["service:svc"] == 2


def test_references_must_exist(service: FeatureStoreService) -> None:
    with pytest.raises(FeatureNotFoundError, match="entity 'airport'"):
        service.apply(items(weather_view()))
    service.apply(items(AIRPORT, weather_view()))
    bad = FeatureService("s", [FeatureView("other", [AIRPORT], [Field("x")])])
    with pytest.raises(FeatureNotFoundError, match="other:x"):
        service.apply(items(AIRPORT, weather_view(), bad))


@pytest.mark.parametrize(
    "make",
    [
        lambda: Entity(""),
        lambda: Entity("__x"),
        lambda: Field("x", "float128"),
        lambda: Field("x", min=2, max=1),
        lambda: FeatureView("v", [], [Field("x")]),
        lambda: FeatureView("v", [AIRPORT], [Field("x"), Field("x")]),
        lambda: FeatureView("v", [AIRPORT], [Field("origin")]),
        lambda: FeatureView("v", [AIRPORT], [Field("x")], ttl=timedelta(0)),
        lambda: SqlSource("sqlite://"),
        lambda: weather_view()[["nope"]],
    ],
)
def test_bad_definitions_are_refused(make: object) -> None:
    with pytest.raises(InvalidInputError):
        make()  # type: ignore[operator]


def test_specs_round_trip_and_digest_is_stable() -> None:
    view = FeatureView(
        "v", [AIRPORT], [Field("x", "int64", nullable=False, allowed=[1, 2])],
        source=FileSource("data/*.csv", timestamp_field="t"), ttl=timedelta(hours=1),
    )  # fmt: skip
    back = definition_from_spec("view", "v", view.to_spec())
    assert isinstance(back, FeatureView) and back.to_spec() == view.to_spec()
    assert back.source == FileSource("data/*.csv", timestamp_field="t", format="csv")
    assert spec_digest(view.to_spec()) == spec_digest(back.to_spec())
    svc = weather_service()
    assert definition_from_spec("service", "svc", svc.to_spec()).to_spec() == svc.to_spec()
