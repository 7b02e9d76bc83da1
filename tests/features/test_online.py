"""Online stores (SQLite, Redis) and incremental materialization."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from features.conftest import AIRPORT, items, make_service
from shipyard.features import FeatureService, FeatureView, Field
from shipyard.features.online import RedisOnlineStore, SqliteOnlineStore, open_online_store
from shipyard.features.service import FeatureStoreService

NOW = pd.Timestamp.now(tz="UTC").floor("s")
MS = 1000


def _ms(ts: pd.Timestamp) -> int:
    return int(ts.value // 1_000_000)


@pytest.fixture(params=["sqlite", "redis"])
def online_uri(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'online.db'}"
        return
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    yield f"redis://127.0.0.1:6379/7?prefix={prefix}"
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/7")
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def svc(tmp_path: Path, online_uri: str) -> Iterator[FeatureStoreService]:
    service = make_service(tmp_path, online_uri)
    view = FeatureView("w", [AIRPORT], [Field("temp"), Field("wind")], timestamp_field="ts",
                       ttl=timedelta(hours=2))  # fmt: skip
    service.apply(items(AIRPORT, view, FeatureService("s", [view[["temp"]]])))
    yield service
    service.engine.dispose()


def _rows(origin: list[str], hours_ago: list[float], temp: list[float]) -> pd.DataFrame:
    return pd.DataFrame({
        "origin": origin, "ts": [NOW - pd.Timedelta(hours=h) for h in hours_ago],
        "temp": temp, "wind": 1.0,
    })  # fmt: skip


def test_latest_value_per_entity_and_ttl_at_read_time(svc: FeatureStoreService) -> None:
    svc.ingest("w", _rows(["A", "A", "B", "C"], [1.5, 0.5, 1.0, 5.0], [1.0, 2.0, 3.0, 4.0]))
    [record] = svc.materialize(_ms(NOW))
    assert record.rows == 3 and record.last_ingestion_id == 1
    refs = svc.resolve(service="s")
    got = svc.online_features([{"origin": "A"}, {"origin": "B"}, {"origin": "C"},
                               {"origin": "Z"}, {"origin": "A"}], refs)  # fmt: skip
    # C's value is 5 h old with a 2 h TTL: missing, not stale data
    assert got == {"origin": ["A", "B", "C", "Z", "A"], "temp": [2.0, 3.0, None, None, 2.0]}


def test_materialization_is_incremental_and_keeps_late_data(svc: FeatureStoreService) -> None:
    svc.ingest("w", _rows(["A", "B"], [1.0, 1.0], [1.0, 1.0]))
    svc.materialize(_ms(NOW - pd.Timedelta(minutes=30)))
    svc.ingest("w", _rows(["A"], [0.1], [9.0]))  # after the previous end
    svc.ingest("w", _rows(["B"], [0.9], [5.0]))  # late: before the previous end, newer for B
    svc.ingest("w", _rows(["A"], [3.0], [0.0]))  # late and older than A's value: ignored
    [second] = svc.materialize(_ms(NOW))
    assert second.rows == 2  # only the new and late rows are read again
    refs = svc.resolve(features=["w:temp", "w:wind"])
    assert svc.online_features([{"origin": "A"}, {"origin": "B"}], refs)["temp"] == [9.0, 5.0]
    [third] = svc.materialize(_ms(NOW))
    assert third.rows == 0


def test_rows_after_the_end_wait_for_the_next_run(svc: FeatureStoreService) -> None:
    svc.ingest("w", _rows(["A", "A"], [1.0, 0.2], [1.0, 2.0]))
    svc.materialize(_ms(NOW - pd.Timedelta(minutes=30)))
    refs = svc.resolve(service="s")
    assert svc.online_features([{"origin": "A"}], refs)["temp"] == [1.0]
    svc.materialize(_ms(NOW))
    assert svc.online_features([{"origin": "A"}], refs)["temp"] == [2.0]


def test_missing_join_key_is_an_error(svc: FeatureStoreService) -> None:
    from shipyard.core.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="join key 'origin'"):
        svc.online_features([{"airport": "A"}], svc.resolve(service="s"))


def test_stores_never_replace_newer_values(online_uri: str) -> None:
    store = open_online_store(online_uri)
    assert isinstance(store, (SqliteOnlineStore, RedisOnlineStore))
    store.write("v", [('["A"]', 200, b'{"x":2}'), ('["B"]', 100, b'{"x":1}')])
    store.write("v", [('["A"]', 100, b'{"x":0}'), ('["B"]', 300, b'{"x":3}')])
    assert store.read("v", ['["A"]', '["B"]', '["C"]']) == [
        (200, b'{"x":2}'),
        (300, b'{"x":3}'),
        None,
    ]
    store.drop_view("v")
    assert store.read("v", ['["A"]']) == [None]


def test_compound_unicode_keys_and_infinite_values(tmp_path: Path, online_uri: str) -> None:
    from shipyard.features import Entity

    service = make_service(tmp_path, online_uri)
    route = Entity("route", join_keys=["origin", "dest"])
    view = FeatureView(
        "r", [route], [Field("x"), Field("n", "int64"), Field("s", "string")], timestamp_field="ts"
    )
    service.apply(items(route, view))
    df = pd.DataFrame(
        {
            "origin": ["São Paulo", 'a"b'],
            "dest": ["Zürich", "c"],
            "ts": NOW,
            "x": [float("inf"), 1.5],
            "n": [3, 4],
            "s": ["é", None],
        }
    )
    service.ingest("r", df)
    service.materialize(_ms(NOW))
    got = service.online_features(
        [{"origin": "São Paulo", "dest": "Zürich"}, {"origin": 'a"b', "dest": "c"}],
        service.resolve(features=["r:x", "r:n", "r:s"]),
    )
    assert got["x"] == [float("inf"), 1.5] and got["n"] == [3, 4] and got["s"] == ["é", None]
    service.engine.dispose()


def test_compound_keys_of_mixed_types(tmp_path: Path, online_uri: str) -> None:
    """A string and an integer join key (region, half-hour) materialize and read back."""
    from shipyard.features import Entity

    service = make_service(tmp_path, online_uri)
    slot = Entity("slot", join_keys=["region", "half_hour"])
    view = FeatureView("lags", [slot], [Field("x")], timestamp_field="ts")
    service.apply(items(slot, view))
    df = pd.DataFrame({"region": "VIC", "half_hour": [0, 1, 47], "ts": NOW, "x": [1.0, 2.0, 3.0]})
    service.ingest("lags", df)
    [record] = service.materialize(_ms(NOW))
    assert record.rows == 3
    got = service.online_features(
        [{"region": "VIC", "half_hour": 47}, {"region": "VIC", "half_hour": 0},
         {"region": "NSW", "half_hour": 0}],
        service.resolve(features=["lags:x"]),
    )  # fmt: skip
    assert got["x"] == [3.0, 1.0, None]
    service.engine.dispose()
