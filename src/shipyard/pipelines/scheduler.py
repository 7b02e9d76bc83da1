"""The scheduler's decisions: which slots of a schedule fire and which are missed.

``plan`` applies the catch-up policy to the slots due since the schedule's last
recorded slot (or since it was created or resumed). ``tick`` claims each slot through
the store, where a unique (schedule, slot) row makes the claim succeed exactly once
across any number of schedulers, and launches a pipeline run for each slot it won. A
claim is a lease: a background thread renews it while the pipeline runs, and ``tick``
first takes over the claims of schedulers that died (their lease expired) and runs
those slots again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from shipyard.core.errors import SlotLeaseLostError
from shipyard.pipelines.cron import check_timezone, due_slots
from shipyard.pipelines.records import CatchUp, ScheduleRecord, SlotRecord, SlotStatus
from shipyard.pipelines.schedule_service import DEFAULT_LEASE_MS, DEFAULT_MAX_ATTEMPTS

__all__ = [
    "LEASE_LOST",
    "MAX_CATCHUP",
    "Launch",
    "Leasing",
    "Plan",
    "SchedulerStore",
    "interval_params",
    "plan",
    "tick",
]

MAX_CATCHUP = 1000
#: ``tick`` outcome of a slot whose lease this scheduler lost while running it
LEASE_LOST = "LEASE_LOST"
logger = logging.getLogger("shipyard.scheduler")


class SchedulerStore(Protocol):
    def list_schedules(self, status: str | None = None) -> list[ScheduleRecord]: ...

    def claim_schedule_slot(
        self,
        name: str,
        slot_time: int,
        *,
        status: str = "CLAIMED",
        claimed_by: str = "",
        lease_ms: int = DEFAULT_LEASE_MS,
    ) -> SlotRecord | None: ...

    def heartbeat_schedule_slot(
        self,
        name: str,
        slot_time: int,
        *,
        claimed_by: str,
        attempt: int,
        lease_ms: int = DEFAULT_LEASE_MS,
        pipeline_run_id: str | None = None,
    ) -> SlotRecord: ...

    def take_over_schedule_slot(
        self,
        name: str,
        *,
        claimed_by: str,
        lease_ms: int = DEFAULT_LEASE_MS,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> SlotRecord | None: ...

    def finish_schedule_slot(
        self,
        name: str,
        slot_time: int,
        status: str,
        pipeline_run_id: str | None = None,
        *,
        claimed_by: str | None = None,
        attempt: int | None = None,
    ) -> SlotRecord: ...


@dataclass(frozen=True)
class Leasing:
    """How this scheduler holds slots: its identity, the lease length, how many
    schedulers may hold one slot before it is given up, and what to do with the run a
    dead scheduler left behind (called once, by the scheduler that took the slot over)."""

    claimed_by: str
    lease_ms: int = DEFAULT_LEASE_MS
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    on_takeover: Callable[[ScheduleRecord, SlotRecord], None] | None = None


class _Heartbeat:
    """Renews a slot's lease every third of it on a daemon thread while a run goes on."""

    def __init__(self, store: SchedulerStore, name: str, slot: SlotRecord, lease: Leasing):
        self.store, self.name, self.slot, self.lease = store, name, slot, lease
        self.run_id: str | None = None
        self.lost: SlotLeaseLostError | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name=f"shipyard-lease-{name}", daemon=True
        )

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def started(self, run_id: str) -> None:
        """Record the pipeline run on the slot (so a takeover can close it)."""
        self.run_id = run_id
        self.beat()

    def beat(self) -> None:
        with self._lock:
            if self.lost is not None:
                return
            try:
                self.store.heartbeat_schedule_slot(
                    self.name,
                    self.slot.slot_time,
                    claimed_by=self.lease.claimed_by,
                    attempt=self.slot.attempt,
                    lease_ms=self.lease.lease_ms,
                    pipeline_run_id=self.run_id,
                )
            except SlotLeaseLostError as exc:
                logger.warning("Schedule %s lost its lease: %s", self.name, exc)
                self.lost = exc
            except Exception as exc:  # the store may be back before the lease runs out
                logger.warning("Schedule %s heartbeat failed (will retry): %s", self.name, exc)

    def _loop(self) -> None:
        while not self._stop.wait(self.lease.lease_ms / 3000):
            self.beat()


@dataclass(frozen=True)
class Plan:
    fire: list[int]
    missed: list[int]


def plan(schedule: ScheduleRecord, now_ms: int, grace_ms: int) -> Plan:
    """Slots to fire and slots to record as missed, by the schedule's catch-up policy:
    ``all`` fires every due slot, ``latest`` only the newest, ``none`` only a slot at
    most ``grace_ms`` old."""
    after = max(schedule.last_slot or 0, schedule.active_since)
    due = due_slots(schedule.cron, schedule.timezone, after, now_ms, MAX_CATCHUP)
    policy = CatchUp(schedule.catchup)
    if policy is CatchUp.ALL or not due:
        return Plan(due, [])
    if policy is CatchUp.LATEST:
        return Plan(due[-1:], due[:-1])
    on_time = [s for s in due if now_ms - s <= grace_ms]
    return Plan(on_time, [s for s in due if s not in on_time])


def interval_params(schedule: ScheduleRecord, slot_ms: int) -> dict[str, str]:
    """``interval_start`` (the previous slot) and ``interval_end`` (this slot), ISO 8601
    in the schedule's time zone."""
    from croniter import croniter

    tz = check_timezone(schedule.timezone)
    end = datetime.fromtimestamp(slot_ms / 1000, UTC).astimezone(tz)
    start = croniter(schedule.cron, end).get_prev(datetime)
    return {"interval_start": start.isoformat(), "interval_end": end.isoformat()}


#: ``launch(schedule, slot_time, started)`` runs the pipeline for a slot and returns the
#: pipeline run id; it calls ``started(run_id)`` as soon as the run exists
Launch = Callable[[ScheduleRecord, int, Callable[[str], None]], str]


def _fire(
    store: SchedulerStore, schedule: ScheduleRecord, slot: SlotRecord, launch: Launch,
    lease: Leasing,
) -> str:  # fmt: skip
    """Run a slot this scheduler holds, heartbeating it; the slot's outcome."""
    status, run_id = SlotStatus.SUCCEEDED, None
    with _Heartbeat(store, schedule.name, slot, lease) as heartbeat:
        try:
            run_id = launch(schedule, slot.slot_time, heartbeat.started)
        except Exception as exc:  # a failing pipeline must not stop the scheduler
            logger.warning("Schedule %s slot %s failed: %s", schedule.name, slot.slot_time, exc)
            status = SlotStatus.FAILED
            run_id = getattr(exc, "details", {}).get("run_id")
    try:
        store.finish_schedule_slot(
            schedule.name,
            slot.slot_time,
            status.value,
            run_id,
            claimed_by=lease.claimed_by,
            attempt=slot.attempt,
        )
    except SlotLeaseLostError as exc:
        logger.warning("Schedule %s slot %s: %s", schedule.name, slot.slot_time, exc)
        return LEASE_LOST
    return status.value


def _take_over(
    store: SchedulerStore, schedule: ScheduleRecord, launch: Launch, lease: Leasing
) -> list[tuple[str, int, str]]:
    """Run again every slot of ``schedule`` whose scheduler died (lease expired)."""
    handled: list[tuple[str, int, str]] = []
    while True:
        slot = store.take_over_schedule_slot(
            schedule.name,
            claimed_by=lease.claimed_by,
            lease_ms=lease.lease_ms,
            max_attempts=lease.max_attempts,
        )
        if slot is None:
            return handled
        logger.warning(
            "Schedule %s slot %s: took over from %s (attempt %d)",
            schedule.name, slot.slot_time, slot.previous_owner, slot.attempt,
        )  # fmt: skip
        if lease.on_takeover is not None:
            lease.on_takeover(schedule, slot)
        if slot.status != SlotStatus.CLAIMED:  # given up after max_attempts
            handled.append((schedule.name, slot.slot_time, slot.status))
            continue
        handled.append((schedule.name, slot.slot_time, _fire(store, schedule, slot, launch, lease)))


def tick(
    store: SchedulerStore,
    now_ms: int,
    launch: Launch,
    *,
    lease: Leasing,
    grace_ms: int,
) -> list[tuple[str, int, str]]:
    """One pass over the active schedules; returns (schedule, slot, outcome) per slot this
    scheduler handled (outcome: a slot status, or ``LEASE_LOST``). Due slots of all
    schedules fire in slot-time order, so after a pause a pipeline scheduled at :00
    still runs before one scheduled at :15 that consumes its output."""
    handled: list[tuple[str, int, str]] = []
    due: list[tuple[int, str, ScheduleRecord]] = []
    for schedule in store.list_schedules("ACTIVE"):
        handled.extend(_take_over(store, schedule, launch, lease))
        decided = plan(schedule, now_ms, grace_ms)
        for slot_time in decided.missed:
            if store.claim_schedule_slot(
                schedule.name, slot_time, status="MISSED", claimed_by=lease.claimed_by
            ):
                handled.append((schedule.name, slot_time, SlotStatus.MISSED.value))
        due.extend((slot_time, schedule.name, schedule) for slot_time in decided.fire)
    for slot_time, name, schedule in sorted(due, key=lambda d: (d[0], d[1])):
        slot = store.claim_schedule_slot(
            name, slot_time, claimed_by=lease.claimed_by, lease_ms=lease.lease_ms
        )
        if slot is None:
            continue  # another scheduler fired it
        handled.append((name, slot_time, _fire(store, schedule, slot, launch, lease)))
    return handled
