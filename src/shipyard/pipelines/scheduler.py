"""The scheduler's decisions: which slots of a schedule fire and which are missed.

``plan`` applies the catch-up policy to the slots due since the schedule's last
recorded slot (or since it was created or resumed). ``tick`` claims each slot through
the store, where a unique (schedule, slot) row makes the claim succeed exactly once
across any number of schedulers, and launches a pipeline run for each slot it won.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from shipyard.pipelines.cron import check_timezone, due_slots
from shipyard.pipelines.records import CatchUp, ScheduleRecord, SlotRecord, SlotStatus

__all__ = ["MAX_CATCHUP", "Plan", "SchedulerStore", "interval_params", "plan", "tick"]

MAX_CATCHUP = 1000
logger = logging.getLogger("shipyard.scheduler")


class SchedulerStore(Protocol):
    def list_schedules(self, status: str | None = None) -> list[ScheduleRecord]: ...

    def claim_schedule_slot(
        self, name: str, slot_time: int, *, status: str = "CLAIMED", claimed_by: str = ""
    ) -> SlotRecord | None: ...

    def finish_schedule_slot(
        self, name: str, slot_time: int, status: str, pipeline_run_id: str | None = None
    ) -> SlotRecord: ...


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


Launch = Callable[[ScheduleRecord, int], str]


def tick(
    store: SchedulerStore, now_ms: int, launch: Launch, *, claimed_by: str, grace_ms: int
) -> list[tuple[str, int, str]]:
    """One pass over the active schedules; returns (schedule, slot, outcome) per slot this
    scheduler handled (outcome: a slot status)."""
    handled: list[tuple[str, int, str]] = []
    for schedule in store.list_schedules("ACTIVE"):
        decided = plan(schedule, now_ms, grace_ms)
        for slot in decided.missed:
            if store.claim_schedule_slot(
                schedule.name, slot, status="MISSED", claimed_by=claimed_by
            ):
                handled.append((schedule.name, slot, SlotStatus.MISSED.value))
        for slot in decided.fire:
            if store.claim_schedule_slot(schedule.name, slot, claimed_by=claimed_by) is None:
                continue  # another scheduler fired it
            status, run_id = SlotStatus.SUCCEEDED, None
            try:
                run_id = launch(schedule, slot)
            except Exception as exc:  # a failing pipeline must not stop the scheduler
                logger.warning("Schedule %s slot %s failed: %s", schedule.name, slot, exc)
                status = SlotStatus.FAILED
                run_id = getattr(exc, "details", {}).get("run_id")
            store.finish_schedule_slot(schedule.name, slot, status.value, run_id)
            handled.append((schedule.name, slot, status.value))
    return handled
