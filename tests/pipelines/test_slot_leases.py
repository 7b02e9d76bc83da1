"""Slot leases: a claimed slot is renewed while its pipeline runs, a scheduler that died
loses its slots to exactly one other scheduler once the lease expires, and a live claim
is never stolen (SQLite and PostgreSQL, embedded and over HTTP)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from pipelines import lease_fixtures as lf
from shipyard.client import LocalBackend, backend_for
from shipyard.client.pipelines import register, run_scheduler
from shipyard.core.errors import InvalidInputError, SlotLeaseLostError
from shipyard.core.timeutil import now_ms
from shipyard.pipelines.records import ScheduleRecord
from shipyard.pipelines.scheduler import LEASE_LOST, Leasing, tick
from shipyard.store.db import create_store_engine, write_transaction
from shipyard.store.schema_pipelines import schedule_slots, schedules
from tests_support import fresh_postgres_database

TESTS = Path(__file__).resolve().parents[1]
SRC = TESTS.parent / "src"
RUN_ID = "a" * 32
Handled = list[tuple[str, int, str]]


def _until(what: str, check: Callable[[], object], timeout: float = 60.0) -> object:
    """Poll ``check`` until it returns something truthy (fail after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)
    return value


def _schedule(backend, db_url: str, folder: Path) -> ScheduleRecord:
    """The gated pipeline on a yearly schedule whose one slot (this New Year) is due:
    no other slot falls due while the test runs."""
    register(backend, lf.gated)
    backend.create_schedule("gate", "gated", "0 0 1 1 *", params={"folder": str(folder)})
    new_year = datetime(datetime.now(UTC).year, 1, 1, tzinfo=UTC)
    engine = create_store_engine(db_url)
    with write_transaction(engine) as conn:
        conn.execute(
            update(schedules)
            .where(schedules.c.name == "gate")
            .values(active_since=int(new_year.timestamp() * 1000) - 1_000)
        )
    engine.dispose()
    return backend.get_schedule("gate")


@pytest.fixture(params=["local-sqlite", "local-postgres", "http-sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path, live_server) -> Iterator[tuple[str, str]]:
    """(tracking URI, database URL) of one backend."""
    kind, db = request.param.split("-")
    if db == "sqlite":
        url = f"sqlite:///{tmp_path / 'shipyard.db'}"
        yield (live_server(url).url if kind == "http" else url), url
        return
    with fresh_postgres_database() as url:
        yield (live_server(url).url if kind == "http" else url), url


def test_lease_heartbeat_takeover_and_fencing(tracking_uri: str) -> None:
    backend = backend_for(tracking_uri)
    register(backend, lf.gated)
    backend.create_schedule("s", "gated", "0 0 1 1 *")
    slot = backend.claim_schedule_slot("s", 1_000, claimed_by="a", lease_ms=200)
    assert slot is not None and slot.attempt == 1 and slot.lease_expires_at is not None
    renewed = backend.heartbeat_schedule_slot(
        "s", 1_000, claimed_by="a", attempt=1, lease_ms=200, pipeline_run_id=RUN_ID
    )
    assert renewed.pipeline_run_id == RUN_ID and renewed.heartbeat_at is not None
    with pytest.raises(SlotLeaseLostError):
        backend.heartbeat_schedule_slot("s", 1_000, claimed_by="b", attempt=1)
    taken = _until(
        "the lease to expire",
        lambda: backend.take_over_schedule_slot("s", claimed_by="b", lease_ms=60_000),
    )
    assert (taken.status, taken.claimed_by, taken.attempt) == ("CLAIMED", "b", 2)
    assert (taken.previous_owner, taken.previous_run_id) == ("a", RUN_ID)
    assert taken.pipeline_run_id is None and taken.taken_over_at is not None
    # a live lease is not taken over, and the old owner is fenced off
    assert backend.take_over_schedule_slot("s", claimed_by="c") is None
    with pytest.raises(SlotLeaseLostError) as lost:
        backend.heartbeat_schedule_slot("s", 1_000, claimed_by="a", attempt=1)
    assert lost.value.details["claimed_by"] == "b"
    with pytest.raises(SlotLeaseLostError):
        backend.finish_schedule_slot("s", 1_000, "SUCCEEDED", claimed_by="a", attempt=1)
    done = backend.finish_schedule_slot("s", 1_000, "SUCCEEDED", claimed_by="b", attempt=2)
    assert done.status == "SUCCEEDED" and done.lease_expires_at is None
    # a slot whose lease expired max_attempts times is given up, not run again
    backend.claim_schedule_slot("s", 2_000, claimed_by="a", lease_ms=100)
    failed = _until(
        "the lease to expire",
        lambda: backend.take_over_schedule_slot("s", claimed_by="b", max_attempts=1),
    )
    assert failed.status == "FAILED" and "gave up after 1 attempt" in failed.error
    assert failed.previous_owner == "a" and failed.claimed_by == "a"
    with pytest.raises(InvalidInputError):
        backend.claim_schedule_slot("s", 3_000, claimed_by="a", lease_ms=10)


def _racing_schedulers(backends: list, slots: list[int]) -> Counter[int]:
    """Every scheduler ticks at once over claims that all expired; how often each slot
    was launched."""
    launched: Counter[int] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(len(backends))

    def launch(schedule, slot: int, started) -> str:
        started(RUN_ID)
        with lock:
            launched[slot] += 1
        return RUN_ID

    def scheduler(backend, who: str) -> None:
        barrier.wait()
        tick(backend, now_ms(), launch, lease=Leasing(who, lease_ms=60_000), grace_ms=0)

    threads = [
        threading.Thread(target=scheduler, args=(b, f"s{i}")) for i, b in enumerate(backends)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return launched


@pytest.mark.parametrize("over_http", [False, True], ids=["embedded", "http"])
def test_two_schedulers_racing_take_over_each_dead_claim_once(
    db_url: str, over_http: bool, live_server
) -> None:
    setup = LocalBackend(db_url)
    register(setup, lf.gated)
    setup.create_schedule("yearly", "gated", "0 0 1 1 *")  # no slot of its own is due
    slots = [1_000 * i for i in range(1, 13)]
    for slot in slots:
        setup.claim_schedule_slot("yearly", slot, claimed_by="dead", lease_ms=100)
    time.sleep(0.2)  # every claim has expired
    if over_http:
        url = live_server(db_url).url
        launched = _racing_schedulers([backend_for(url), backend_for(url)], slots)
    else:
        engines = [create_store_engine(db_url) for _ in range(2)]
        launched = _racing_schedulers([LocalBackend(db_url, engine=e) for e in engines], slots)
        for e in engines:
            e.dispose()
    assert launched == Counter(dict.fromkeys(slots, 1))
    records = setup.list_schedule_slots("yearly", 100)
    assert {s.status for s in records} == {"SUCCEEDED"}
    assert {(s.attempt, s.previous_owner) for s in records} == {(2, "dead")}
    assert {s.claimed_by for s in records} <= {"s0", "s1"}


def _scheduler_process(uri: str, lease_s: float) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(TESTS)])}
    code = "from shipyard.cli.main import app; app()"
    args = ["scheduler", "--once", "--lease", str(lease_s), "--tracking-uri", uri]
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        start_new_session=True,  # its worker processes die with it
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_slot_of_a_sigkilled_scheduler_is_taken_over_after_its_lease(
    store: tuple[str, str], tmp_path: Path
) -> None:
    uri, db_url = store
    backend = backend_for(uri)
    schedule = _schedule(backend, db_url, tmp_path)
    proc = _scheduler_process(uri, lease_s=1.0)
    try:
        _until("the step to start", lambda: list(tmp_path.glob("started-1-*")))
        _until(
            "the run on the slot", lambda: backend.list_schedule_slots("gate")[0].pipeline_run_id
        )
        [claimed] = backend.list_schedule_slots("gate")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert claimed.status == "CLAIMED" and claimed.claimed_by.split(":")[1] == str(proc.pid)
    dead_run = claimed.pipeline_run_id
    (tmp_path / "open").touch()
    handled: Handled = []
    _until(
        "a takeover",
        lambda: run_scheduler(backend, once=True, lease_s=30, on_tick=handled.extend) or handled,
    )
    assert handled == [("gate", claimed.slot_time, "SUCCEEDED")]
    [slot] = backend.list_schedule_slots("gate")
    assert (slot.status, slot.attempt) == ("SUCCEEDED", 2)
    assert (slot.previous_owner, slot.previous_run_id) == (claimed.claimed_by, dead_run)
    assert slot.pipeline_run_id not in (None, dead_run)
    old = backend.get_pipeline_run(dead_run)
    assert old.status == "KILLED" and "died" in (old.error or "")
    assert old.step("wait_for_gate").status == "FAILED"
    assert backend.get_run(dead_run).status == "KILLED"
    new = backend.get_pipeline_run(slot.pipeline_run_id)
    assert (new.status, new.slot_time, new.schedule_id) == (
        "SUCCEEDED", claimed.slot_time, schedule.id,
    )  # fmt: skip
    assert len(list(tmp_path.glob("started-*"))) == 2
    from shipyard.cli.main import app

    shown = CliRunner().invoke(app, ["schedules", "slots", "gate", "--tracking-uri", uri])
    assert shown.exit_code == 0, shown.output
    assert "taken over from" in shown.output and str(proc.pid) in shown.output


def test_a_live_claim_is_never_taken_over(store: tuple[str, str], tmp_path: Path) -> None:
    uri, db_url = store
    owner = backend_for(uri)
    _schedule(owner, db_url, tmp_path)
    owner_handled: Handled = []
    thread = threading.Thread(
        target=run_scheduler,
        args=(owner,),
        kwargs={"once": True, "lease_s": 2.5, "on_tick": owner_handled.extend},
    )
    thread.start()
    rival = backend_for(uri)
    rival_handled: Handled = []
    leases: set[int | None] = set()
    try:
        _until("the step to start", lambda: list(tmp_path.glob("started-1-*")))
        until = time.monotonic() + 6.0  # more than two leases without a new claim
        while time.monotonic() < until:
            run_scheduler(rival, once=True, lease_s=2.5, on_tick=rival_handled.extend)
            leases.add(rival.list_schedule_slots("gate")[0].lease_expires_at)
            time.sleep(0.2)
    finally:
        (tmp_path / "open").touch()
        thread.join()
    assert rival_handled == []
    assert len(leases) > 2  # the owner kept renewing its lease
    [slot] = owner.list_schedule_slots("gate")
    assert owner_handled == [("gate", slot.slot_time, "SUCCEEDED")]
    assert (slot.status, slot.attempt, slot.previous_owner) == ("SUCCEEDED", 1, None)
    assert len(list(tmp_path.glob("started-*"))) == 1


def test_a_scheduler_that_lost_its_slot_does_not_overwrite_the_new_owner(
    sqlite_url: str, tmp_path: Path
) -> None:
    backend = LocalBackend(sqlite_url)
    _schedule(backend, sqlite_url, tmp_path)
    engine = create_store_engine(sqlite_url)

    def launch(schedule, slot: int, started) -> str:
        # while it runs, another scheduler takes the slot over (as after a long pause)
        with write_transaction(engine) as conn:
            conn.execute(
                update(schedule_slots)
                .where(schedule_slots.c.slot_time == slot)
                .values(claimed_by="other", attempt=2, previous_owner="me")
            )
        started(RUN_ID)  # the renewal is refused: the heartbeat learns of the loss
        return RUN_ID

    handled = tick(backend, now_ms(), launch, lease=Leasing("me"), grace_ms=0)
    engine.dispose()
    [slot] = backend.list_schedule_slots("gate")
    assert handled == [("gate", slot.slot_time, LEASE_LOST)]
    assert (slot.status, slot.claimed_by, slot.attempt) == ("CLAIMED", "other", 2)
    assert slot.pipeline_run_id is None  # the loser's run was not recorded on the slot
