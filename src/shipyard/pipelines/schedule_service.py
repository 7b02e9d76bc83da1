"""``ScheduleService``: cron schedules of pipelines and the slots they fired or missed.

A slot is fired at most once: claiming it inserts the (schedule, slot) row, which a
unique index allows only once, so two schedulers racing for a slot cannot both win.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, RowMapping, func, select, update
from sqlalchemy.exc import IntegrityError

from shipyard.core.errors import (
    InvalidInputError,
    PipelineNotFoundError,
    ScheduleAlreadyExistsError,
    ScheduleNotFoundError,
)
from shipyard.core.timeutil import now_ms
from shipyard.pipelines._sql import dumps, insert_ignore, loads
from shipyard.pipelines.cron import check_catchup, check_cron, check_timezone
from shipyard.pipelines.records import ScheduleRecord, ScheduleStatus, SlotRecord, SlotStatus
from shipyard.store.db import read_connection, write_transaction
from shipyard.store.schema_pipelines import pipelines, schedule_slots, schedules

__all__ = ["ScheduleService"]

MAX_NAME = 256


def _slot(row: RowMapping) -> SlotRecord:
    return SlotRecord.from_dict(dict(row))


class ScheduleService:
    """Schedules and slots; every write is one transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create_schedule(
        self,
        name: str,
        pipeline: str,
        cron: str,
        *,
        timezone: str = "UTC",
        params: Mapping[str, Any] | None = None,
        catchup: str = "latest",
    ) -> ScheduleRecord:
        """A new ACTIVE schedule; slots before now are never fired."""
        if not isinstance(name, str) or not name or len(name) > MAX_NAME:
            raise InvalidInputError(f"Schedule name must be 1..{MAX_NAME} characters")
        check_cron(cron)
        check_timezone(timezone)
        policy = check_catchup(catchup)
        now = now_ms()
        with write_transaction(self.engine) as conn:
            pid = conn.execute(select(pipelines.c.id).where(pipelines.c.name == pipeline)).scalar()
            if pid is None:
                raise PipelineNotFoundError(
                    f"No pipeline named {pipeline!r}: run it once (or register it) before "
                    "scheduling it",
                    name=pipeline,
                )
            try:
                with conn.begin_nested():
                    conn.execute(
                        schedules.insert().values(
                            name=name,
                            pipeline_id=pid,
                            cron=cron,
                            timezone=timezone,
                            params=dumps(dict(params or {}), "Schedule parameters"),
                            catchup=policy.value,
                            status=ScheduleStatus.ACTIVE.value,
                            active_since=now,
                            created_at=now,
                            updated_at=now,
                        )
                    )
            except IntegrityError as exc:
                raise ScheduleAlreadyExistsError(
                    f"A schedule named {name!r} already exists", name=name
                ) from exc
        return self.get_schedule(name)

    def _select(self) -> Any:
        last = (
            select(func.max(schedule_slots.c.slot_time))
            .where(schedule_slots.c.schedule_id == schedules.c.id)
            .scalar_subquery()
        )
        return select(schedules, pipelines.c.name.label("pipeline"), last.label("last_slot")).join(
            pipelines, pipelines.c.id == schedules.c.pipeline_id
        )

    def _record(self, row: RowMapping) -> ScheduleRecord:
        data = dict(row)
        data["params"] = loads(row["params"], {})
        return ScheduleRecord.from_dict(data)

    def get_schedule(self, name: str) -> ScheduleRecord:
        with read_connection(self.engine) as conn:
            row = conn.execute(self._select().where(schedules.c.name == name)).mappings().first()
        if row is None:
            raise ScheduleNotFoundError(f"No schedule named {name!r}", name=name)
        return self._record(row)

    def list_schedules(self, status: str | None = None) -> list[ScheduleRecord]:
        stmt = self._select().order_by(schedules.c.name)
        if status is not None:
            stmt = stmt.where(schedules.c.status == status)
        with read_connection(self.engine) as conn:
            return [self._record(r) for r in conn.execute(stmt).mappings()]

    def set_status(self, name: str, status: str) -> ScheduleRecord:
        """Pause or resume. Resuming starts afresh: slots while paused are not fired."""
        if status not in ScheduleStatus.__members__:
            raise InvalidInputError(f"Unknown schedule status {status!r}; use ACTIVE or PAUSED")
        now = now_ms()
        values: dict[str, Any] = {"status": status, "updated_at": now}
        with write_transaction(self.engine) as conn:
            current = conn.execute(
                select(schedules.c.status).where(schedules.c.name == name)
            ).scalar()
            if current is None:
                raise ScheduleNotFoundError(f"No schedule named {name!r}", name=name)
            if status == ScheduleStatus.ACTIVE and current != status:
                values["active_since"] = now
            conn.execute(update(schedules).where(schedules.c.name == name).values(values))
        return self.get_schedule(name)

    def delete_schedule(self, name: str) -> None:
        with write_transaction(self.engine) as conn:
            sid = conn.execute(select(schedules.c.id).where(schedules.c.name == name)).scalar()
            if sid is None:
                raise ScheduleNotFoundError(f"No schedule named {name!r}", name=name)
            conn.execute(schedule_slots.delete().where(schedule_slots.c.schedule_id == sid))
            conn.execute(schedules.delete().where(schedules.c.id == sid))

    def claim_slot(
        self, name: str, slot_time: int, *, status: str = "CLAIMED", claimed_by: str = ""
    ) -> SlotRecord | None:
        """Insert the (schedule, slot) row; None when another scheduler got there first."""
        if status not in (SlotStatus.CLAIMED, SlotStatus.MISSED):
            raise InvalidInputError("A slot is claimed as CLAIMED or recorded as MISSED")
        now = now_ms()
        with write_transaction(self.engine) as conn:
            sid = conn.execute(select(schedules.c.id).where(schedules.c.name == name)).scalar()
            if sid is None:
                raise ScheduleNotFoundError(f"No schedule named {name!r}", name=name)
            row = {
                "schedule_id": sid,
                "slot_time": int(slot_time),
                "status": status,
                "claimed_by": claimed_by[:256],
                "claimed_at": now,
                "updated_at": now,
            }
            new_id = insert_ignore(conn, schedule_slots, row)
            if new_id is None:
                return None
            got = conn.execute(select(schedule_slots).where(schedule_slots.c.id == new_id))
            return _slot(got.mappings().one())

    def finish_slot(
        self, name: str, slot_time: int, status: str, pipeline_run_id: str | None = None
    ) -> SlotRecord:
        """Record how a fired slot ended (and which pipeline run it started)."""
        if status not in SlotStatus.__members__:
            raise InvalidInputError(f"Unknown slot status {status!r}")
        with write_transaction(self.engine) as conn:
            sid = conn.execute(select(schedules.c.id).where(schedules.c.name == name)).scalar()
            where = (schedule_slots.c.schedule_id == sid) & (
                schedule_slots.c.slot_time == int(slot_time)
            )
            values: dict[str, Any] = {"status": status, "updated_at": now_ms()}
            if pipeline_run_id is not None:
                values["pipeline_run_id"] = pipeline_run_id
            conn.execute(update(schedule_slots).where(where).values(values))
            row = conn.execute(select(schedule_slots).where(where)).mappings().first()
        if row is None:
            raise ScheduleNotFoundError(
                f"Schedule {name!r} has no slot at {slot_time}", name=name, slot_time=slot_time
            )
        return _slot(row)

    def list_slots(self, name: str, limit: int = 100) -> list[SlotRecord]:
        """Newest first."""
        if not 1 <= limit <= 10_000:
            raise InvalidInputError(f"limit must be in 1..10000, got {limit}")
        sid = self.get_schedule(name).id
        with read_connection(self.engine) as conn:
            rows = conn.execute(
                select(schedule_slots)
                .where(schedule_slots.c.schedule_id == sid)
                .order_by(schedule_slots.c.slot_time.desc())
                .limit(limit)
            ).mappings()
            return [_slot(r) for r in rows]
