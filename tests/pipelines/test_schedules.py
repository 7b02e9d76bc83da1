"""Schedules and the scheduler: CRUD, validation, slots claimed exactly once by racing
schedulers (SQLite and PostgreSQL, embedded and over HTTP), missed slots, backfills."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from pipelines import pipeline_fixtures as fx
from shipyard.client import LocalBackend, backend_for
from shipyard.client.pipelines import backfill, register, run_scheduler
from shipyard.core.errors import (
    InvalidScheduleError,
    PipelineNotFoundError,
    ScheduleAlreadyExistsError,
    ScheduleNotFoundError,
)
from shipyard.core.timeutil import now_ms
from shipyard.pipelines.scheduler import Leasing, tick
from shipyard.store.db import create_store_engine, write_transaction
from shipyard.store.schema_pipelines import schedules

MINUTE = 60_000


def _backdate(db_url: str, name: str, ms: int) -> None:
    """Pretend the schedule was created ``ms`` ago (tests cannot wait for cron)."""
    engine = create_store_engine(db_url)
    with write_transaction(engine) as conn:
        conn.execute(
            update(schedules).where(schedules.c.name == name).values(active_since=now_ms() - ms)
        )
    engine.dispose()


def test_schedule_lifecycle_and_validation(tracking_uri: str) -> None:
    backend = backend_for(tracking_uri)
    with pytest.raises(PipelineNotFoundError, match="run it once"):
        backend.create_schedule("s", "training", "0 * * * *")
    register(backend, fx.training)
    record = backend.create_schedule(
        "hourly", "training", "0 * * * *", timezone="Europe/Paris", params={"lr": 0.2},
        catchup="all",
    )  # fmt: skip
    assert (record.pipeline, record.timezone, record.catchup, record.status) == (
        "training", "Europe/Paris", "all", "ACTIVE",
    )  # fmt: skip
    assert record.params == {"lr": 0.2} and record.last_slot is None
    with pytest.raises(ScheduleAlreadyExistsError):
        backend.create_schedule("hourly", "training", "0 * * * *")
    for bad in (
        {"cron": "61 * * * *"}, {"timezone": "Mars/Base"}, {"catchup": "sometimes"},
    ):  # fmt: skip
        with pytest.raises(InvalidScheduleError):
            backend.create_schedule("bad", "training", **{"cron": "0 * * * *", **bad})
    assert backend.set_schedule_status("hourly", "PAUSED").status == "PAUSED"
    assert [s.name for s in backend.list_schedules("ACTIVE")] == []
    resumed = backend.set_schedule_status("hourly", "ACTIVE")
    assert resumed.status == "ACTIVE" and resumed.active_since >= record.active_since
    slot = backend.claim_schedule_slot("hourly", 1_000, claimed_by="a")
    assert slot is not None and slot.status == "CLAIMED" and slot.claimed_by == "a"
    assert backend.claim_schedule_slot("hourly", 1_000, claimed_by="b") is None
    done = backend.finish_schedule_slot("hourly", 1_000, "SUCCEEDED")
    assert done.status == "SUCCEEDED"
    assert backend.get_schedule("hourly").last_slot == 1_000
    assert [s.slot_time for s in backend.list_schedule_slots("hourly")] == [1_000]
    backend.delete_schedule("hourly")
    with pytest.raises(ScheduleNotFoundError):
        backend.get_schedule("hourly")


def _race(backends: list, rounds: int) -> Counter[tuple[str, int]]:
    """Two schedulers tick at the same time; returns how often each slot was launched.

    Every tick sees the same clock: a minute boundary passing during the race would
    otherwise add a real new slot (and fire a catch-up-latest schedule twice)."""
    now = now_ms()
    launched: Counter[tuple[str, int]] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(len(backends))

    def launch(schedule, slot: int, started) -> str:
        with lock:
            launched[(schedule.name, slot)] += 1
        return "0" * 32

    def scheduler(backend, who: str) -> None:
        barrier.wait()
        for _ in range(rounds):
            tick(backend, now, launch, lease=Leasing(who), grace_ms=0)

    threads = [
        threading.Thread(target=scheduler, args=(b, f"s{i}")) for i, b in enumerate(backends)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return launched


def test_two_schedulers_never_fire_a_slot_twice(db_url: str) -> None:
    setup = LocalBackend(db_url)
    register(setup, fx.training)
    setup.create_schedule("every-minute", "training", "* * * * *", catchup="all")
    setup.create_schedule("latest-only", "training", "* * * * *", catchup="latest")
    _backdate(db_url, "every-minute", 30 * MINUTE)
    _backdate(db_url, "latest-only", 30 * MINUTE)
    engines = [create_store_engine(db_url) for _ in range(2)]  # two independent pools
    launched = _race([LocalBackend(db_url, engine=e) for e in engines], rounds=3)
    for e in engines:
        e.dispose()
    every = [slot for (name, slot) in launched if name == "every-minute"]
    assert len(every) in (30, 31) and set(launched.values()) == {1}
    assert [name for (name, _) in launched].count("latest-only") == 1
    slots = setup.list_schedule_slots("latest-only", 100)
    assert Counter(s.status for s in slots)["SUCCEEDED"] == 1
    assert Counter(s.status for s in slots)["MISSED"] == len(slots) - 1 >= 29
    assert {s.claimed_by for s in setup.list_schedule_slots("every-minute", 100)} <= {"s0", "s1"}


def test_two_schedulers_over_http_never_fire_a_slot_twice(sqlite_url: str, live_server) -> None:
    url = live_server(sqlite_url).url
    setup = backend_for(url)
    register(setup, fx.training)
    setup.create_schedule("every-minute", "training", "* * * * *", catchup="all")
    _backdate(sqlite_url, "every-minute", 20 * MINUTE)
    launched = _race([backend_for(url), backend_for(url)], rounds=2)
    assert len(launched) in (20, 21) and set(launched.values()) == {1}


def test_scheduler_runs_the_pipeline_with_interval_bounds(sqlite_url: str) -> None:
    backend = LocalBackend(sqlite_url)
    register(backend, fx.daily)
    backend.create_schedule("nightly", "daily", "0 0 * * *", catchup="latest")
    handled: list[tuple[str, int, str]] = []
    three_days = 3 * 24 * 3600_000
    run_scheduler(backend, once=True, clock=lambda: now_ms() + three_days, on_tick=handled.extend)
    outcomes = Counter(status for _, _, status in handled)
    assert outcomes == {"SUCCEEDED": 1, "MISSED": 2}
    fired = next(slot for _, slot, status in handled if status == "SUCCEEDED")
    [run] = backend.list_pipeline_runs("daily")
    record = backend.get_pipeline_run(run.id)
    assert record.trigger == "schedule" and record.slot_time == fired
    assert record.params["interval_end"] == datetime.fromtimestamp(fired / 1000, UTC).isoformat()
    assert (
        record.params["interval_start"]
        == (datetime.fromtimestamp(fired / 1000, UTC) - timedelta(days=1)).isoformat()
    )
    slot = backend.list_schedule_slots("nightly")[0]
    assert slot.pipeline_run_id == run.id and slot.status == "SUCCEEDED"
    # a second pass at the same moment finds nothing left to do
    again: list[tuple[str, int, str]] = []
    run_scheduler(backend, once=True, clock=lambda: now_ms() + three_days, on_tick=again.extend)
    assert again == []


def test_backfill_runs_one_pipeline_run_per_interval(tracking_uri: str) -> None:
    backend = backend_for(tracking_uri)
    register(backend, fx.daily)
    results = backfill("daily", "2026-01-01", "2026-01-04", backend=backend)
    assert [r.output() for r in results] == [
        {"start": f"2026-01-0{d}T00:00:00+00:00", "end": f"2026-01-0{d + 1}T00:00:00+00:00"}
        for d in (1, 2, 3)
    ]
    assert {r.record.trigger for r in results} == {"backfill"}
    with pytest.raises(InvalidScheduleError, match="not after"):
        backfill("daily", "2026-01-04", "2026-01-01", backend=backend)


def test_backfill_needs_interval_parameters(sqlite_url: str) -> None:
    from shipyard.core.errors import InvalidPipelineError

    backend = LocalBackend(sqlite_url)
    register(backend, fx.training)
    with pytest.raises(InvalidPipelineError, match="interval_start"):
        backfill("training", "2026-01-01", "2026-01-02", backend=backend)


def test_catchup_none_fires_only_a_slot_within_the_grace(db_url: str) -> None:
    backend = LocalBackend(db_url)
    register(backend, fx.training)
    backend.create_schedule("strict", "training", "* * * * *", catchup="none")
    _backdate(db_url, "strict", 10 * MINUTE)

    def launch(schedule, slot: int, started) -> str:
        return "0" * 32

    now = now_ms()
    handled = tick(backend, now, launch, lease=Leasing("s"), grace_ms=MINUTE)
    outcomes = Counter(status for _, _, status in handled)
    assert outcomes["SUCCEEDED"] == 1 and outcomes["MISSED"] in (9, 10)
    fired = next(slot for _, slot, status in handled if status == "SUCCEEDED")
    assert fired == max(slot for _, slot, _ in handled) and now - fired <= MINUTE


def test_due_slots_of_all_schedules_fire_oldest_first(db_url: str) -> None:
    """After the scheduler was away, training at :00 still runs before the forecast at
    :15 that reads its model, whatever the schedules' names."""
    backend = LocalBackend(db_url)
    register(backend, fx.training)
    backend.create_schedule("a-forecast", "training", "15 * * * *")
    backend.create_schedule("b-training", "training", "0 * * * *")
    for name in ("a-forecast", "b-training"):
        _backdate(db_url, name, 3 * 60 * MINUTE)
    order: list[tuple[int, str]] = []

    def launch(schedule, slot: int, started) -> str:
        order.append((slot, schedule.name))
        return "0" * 32

    twenty_past = now_ms() // (60 * MINUTE) * (60 * MINUTE) + 20 * MINUTE
    tick(backend, twenty_past, launch, lease=Leasing("s"), grace_ms=MINUTE)
    # catch-up latest: one slot each, the :00 one first
    assert [name for _, name in order] == ["b-training", "a-forecast"]
    assert order[1][0] - order[0][0] == 15 * MINUTE
