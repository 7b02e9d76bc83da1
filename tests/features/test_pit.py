"""Point-in-time joins: correct against a brute-force reference, rows kept in order."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features.conftest import AIRPORT, items
from shipyard.features import Entity, FeatureView, Field
from shipyard.features.service import FeatureStoreService

T0 = pd.Timestamp("2024-01-01", tz="UTC")
_COUNTER = itertools.count()


def _brute_force(
    entity: pd.DataFrame, feats: pd.DataFrame, ttl_h: float | None, column: str
) -> list[float | None]:
    """For each entity row: latest row with ts <= t and ts > t - ttl, ties → last created."""
    out: list[float | None] = []
    for _, row in entity.iterrows():
        t = row["event_timestamp"]
        cand = feats[(feats["origin"] == row["origin"]) & (feats["ts"] <= t)]
        if ttl_h is not None:
            cand = cand[cand["ts"] > t - pd.Timedelta(hours=ttl_h)]
        if cand.empty:
            out.append(None)
            continue
        best = cand.sort_values(["ts", "created", "batch"], kind="stable").iloc[-1]
        out.append(float(best[column]))
    return out


def _hours(draw: st.DrawFn, n: int) -> list[int]:
    return draw(st.lists(st.integers(0, 40), min_size=n, max_size=n))


@st.composite
def scenario(
    draw: st.DrawFn,
) -> tuple[pd.DataFrame, list[pd.DataFrame], pd.DataFrame, float | None]:
    keys = ["A", "B", "C"]
    batches = []
    for b in range(draw(st.integers(1, 3))):
        n = draw(st.integers(1, 15))
        batches.append(pd.DataFrame({
            "origin": draw(st.lists(st.sampled_from(keys), min_size=n, max_size=n)),
            "ts": [T0 + pd.Timedelta(hours=h) for h in _hours(draw, n)],
            "created": [T0 + pd.Timedelta(minutes=m) for m in
                        draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))],
            "temp": np.arange(n, dtype=float) + 100 * b,
            "wind": np.ones(n),
            "batch": b,
        }))  # fmt: skip
    m = draw(st.integers(1, 20))
    entity = pd.DataFrame({
        "origin": draw(st.lists(st.sampled_from([*keys, "Z"]), min_size=m, max_size=m)),
        "event_timestamp": [T0 + pd.Timedelta(hours=h) for h in _hours(draw, m)],
    })  # fmt: skip
    ttl = draw(st.sampled_from([None, 1.0, 5.0]))
    return pd.concat(batches, ignore_index=True), batches, entity, ttl


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=scenario())
def test_matches_brute_force(service: FeatureStoreService, data: tuple) -> None:
    feats, batches, entity, ttl = data
    name = f"w{next(_COUNTER)}"  # one store for all examples: a fresh view for each
    view = FeatureView(
        name, [AIRPORT], [Field("temp"), Field("wind")], timestamp_field="ts",
        created_timestamp_field="created", ttl=timedelta(hours=ttl) if ttl else None,
    )  # fmt: skip
    service.apply(items(AIRPORT, view))
    for batch in batches:
        service.ingest(name, batch.drop(columns=["batch"]))
    got = service.historical(entity, service.resolve(features=[f"{name}:temp"]))
    expected = _brute_force(entity, feats, ttl, "temp")
    assert len(got) == len(entity)
    assert list(got["origin"]) == list(entity["origin"])
    assert [None if pd.isna(v) else float(v) for v in got["temp"]] == expected


def test_ties_go_to_the_later_batch_without_created_field(service: FeatureStoreService) -> None:
    view = FeatureView("w", [AIRPORT], [Field("temp")], timestamp_field="ts")
    service.apply(items(AIRPORT, view))
    service.ingest("w", pd.DataFrame({"origin": ["A"], "ts": [T0], "temp": [1.0]}))
    service.ingest("w", pd.DataFrame({"origin": ["A"], "ts": [T0], "temp": [2.0]}))
    entity = pd.DataFrame({"origin": ["A"], "event_timestamp": [T0]})
    assert service.historical(entity, service.resolve(features=["w:temp"]))["temp"].tolist() == [
        2.0
    ]


def test_several_views_cadences_collisions_and_duplicates(service: FeatureStoreService) -> None:
    carrier = Entity("carrier")
    hourly = FeatureView("hourly", [AIRPORT], [Field("temp"), Field("wind")], timestamp_field="ts",
                         ttl=timedelta(hours=2))  # fmt: skip
    daily = FeatureView("daily", [AIRPORT, carrier], [Field("temp"), Field("delay")],
                        timestamp_field="ts")  # fmt: skip
    service.apply(items(AIRPORT, carrier, hourly, daily))
    hours = [T0 + pd.Timedelta(hours=h) for h in range(5)]
    service.ingest("hourly", pd.DataFrame({"origin": "A", "ts": hours, "temp": range(5),
                                           "wind": 1.0}))  # fmt: skip
    service.ingest("daily", pd.DataFrame({"origin": ["A"], "carrier": ["X"], "ts": [T0],
                                          "temp": [50.0], "delay": [7.0]}))  # fmt: skip
    entity = pd.DataFrame({
        "origin": ["A", "A", "A", "B", "A"],
        "carrier": ["X", "X", "Y", "X", "X"],
        "event_timestamp": [hours[3], hours[3], hours[1], hours[1], T0 + pd.Timedelta(hours=9)],
    })  # fmt: skip
    refs = service.resolve(features=["hourly:temp", "daily:temp", "daily:delay"])
    out = service.historical(entity, refs)
    assert list(out.columns) == ["origin", "carrier", "event_timestamp",
                                 "hourly__temp", "daily__temp", "delay"]  # fmt: skip
    assert len(out) == 5  # the duplicate entity row is kept
    assert out["hourly__temp"].tolist()[:2] == [3.0, 3.0]
    assert out["hourly__temp"].isna().tolist() == [False, False, False, True, True]  # ttl
    assert out["daily__temp"].tolist()[0] == 50.0 and pd.isna(out["daily__temp"][2])
    assert out["delay"].tolist()[4] == 7.0  # no ttl: the day-old value still counts
    assert out["event_timestamp"].tolist() == entity["event_timestamp"].tolist()


def test_view_without_data_gives_missing_values(service: FeatureStoreService) -> None:
    view = FeatureView("w", [AIRPORT], [Field("temp")], timestamp_field="ts")
    service.apply(items(AIRPORT, view))
    entity = pd.DataFrame({"origin": ["A", "B"], "event_timestamp": [T0, T0]})
    out = service.historical(entity, service.resolve(features=["w:temp"]))
    assert out["temp"].isna().all() and len(out) == 2


def test_entity_timestamps_as_strings_and_custom_column(
    service: FeatureStoreService, tmp_path: Path
) -> None:
    view = FeatureView("w", [AIRPORT], [Field("temp")], timestamp_field="ts")
    service.apply(items(AIRPORT, view))
    service.ingest(
        "w", pd.DataFrame({"origin": ["A"], "ts": ["2024-01-01T00:00:00Z"], "temp": [1.5]})
    )
    entity = pd.DataFrame({"origin": ["A"], "when": ["2024-01-01 01:00:00"]})
    out = service.historical(entity, service.resolve(features=["w:temp"]), timestamp_column="when")
    assert out["temp"].tolist() == [1.5]
