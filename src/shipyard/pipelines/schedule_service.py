"""``ScheduleService``: cron schedules of pipelines and the slots they fired or missed.

A slot is fired at most once: claiming it inserts the (schedule, slot) row, which a
unique index allows only once, so two schedulers racing for a slot cannot both win.
The claim is a lease its owner renews (``heartbeat_slot``) while the pipeline runs.
When the owner dies the lease expires and ``take_over_slot`` hands the slot to exactly
one other scheduler: a compare-and-set UPDATE that only matches a still-expired claim,
so of two schedulers racing to take it over one updates the row and the other none.
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
    SlotLeaseLostError,
)
from shipyard.core.timeutil import now_ms
from shipyard.pipelines._sql import dumps, insert_ignore, loads
from shipyard.pipelines.cron import check_catchup, check_cron, check_timezone
from shipyard.pipelines.records import ScheduleRecord, ScheduleStatus, SlotRecord, SlotStatus
from shipyard.store.db import read_connection, write_transaction
from shipyard.store.schema_pipelines import pipelines, schedule_slots, schedules

__all__ = ["DEFAULT_LEASE_MS", "DEFAULT_MAX_ATTEMPTS", "ScheduleService"]

MAX_NAME = 256
DEFAULT_LEASE_MS = 60_000
DEFAULT_MAX_ATTEMPTS = 3
MAX_LEASE_MS = 86_400_000


def _check_lease(lease_ms: int) -> int:
    if not 100 <= int(lease_ms) <= MAX_LEASE_MS:
        raise InvalidInputError(f"A slot lease must be 100 ms .. 1 day, got {lease_ms} ms")
    return int(lease_ms)


def _slot(row: RowMapping) -> SlotRecord:
    return SlotRecord.from_dict(dict(row))


def _takeover_values(
    now: int, claimed_by: str, lease_ms: int, held: tuple[int, str], max_attempts: int
) -> dict[str, Any]:
    """The SET of a takeover; ``held`` is the expired claim's (attempt, owner)."""
    c = schedule_slots.c
    attempt, owner = held
    values: dict[str, Any] = {
        "previous_owner": c.claimed_by,  # SET sees the row as it was before the update
        "previous_run_id": c.pipeline_run_id,
        "pipeline_run_id": None,
        "taken_over_at": now,
        "updated_at": now,
        "error": None,
    }
    if attempt >= max_attempts:
        values.update(
            status=SlotStatus.FAILED.value,
            lease_expires_at=None,
            error=f"the lease expired {attempt} time(s), last held by {owner!r}; "
            f"gave up after {max_attempts} attempt(s)",
        )
        return values
    values.update(
        claimed_by=claimed_by[:256],
        attempt=c.attempt + 1,
        lease_expires_at=now + lease_ms,
        heartbeat_at=now,
    )
    return values


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

    def _schedule_id(self, conn: Any, name: str) -> int:
        sid = conn.execute(select(schedules.c.id).where(schedules.c.name == name)).scalar()
        if sid is None:
            raise ScheduleNotFoundError(f"No schedule named {name!r}", name=name)
        return int(sid)

    def claim_slot(
        self,
        name: str,
        slot_time: int,
        *,
        status: str = "CLAIMED",
        claimed_by: str = "",
        lease_ms: int = DEFAULT_LEASE_MS,
    ) -> SlotRecord | None:
        """Insert the (schedule, slot) row, a CLAIMED slot leased for ``lease_ms``; None
        when another scheduler got there first."""
        if status not in (SlotStatus.CLAIMED, SlotStatus.MISSED):
            raise InvalidInputError("A slot is claimed as CLAIMED or recorded as MISSED")
        lease_ms = _check_lease(lease_ms)
        now = now_ms()
        claimed = status == SlotStatus.CLAIMED
        with write_transaction(self.engine) as conn:
            row = {
                "schedule_id": self._schedule_id(conn, name),
                "slot_time": int(slot_time),
                "status": status,
                "claimed_by": claimed_by[:256],
                "claimed_at": now,
                "updated_at": now,
                "lease_expires_at": now + lease_ms if claimed else None,
                "heartbeat_at": now if claimed else None,
                "attempt": 1,
            }
            new_id = insert_ignore(conn, schedule_slots, row)
            if new_id is None:
                return None
            got = conn.execute(select(schedule_slots).where(schedule_slots.c.id == new_id))
            return _slot(got.mappings().one())

    def _owned(self, conn: Any, name: str, slot_time: int, claimed_by: str, attempt: int) -> Any:
        """WHERE clause of the slot while ``claimed_by`` still holds its ``attempt``."""
        return (
            (schedule_slots.c.schedule_id == self._schedule_id(conn, name))
            & (schedule_slots.c.slot_time == int(slot_time))
            & (schedule_slots.c.status == SlotStatus.CLAIMED.value)
            & (schedule_slots.c.claimed_by == claimed_by[:256])
            & (schedule_slots.c.attempt == int(attempt))
        )

    def _lost(self, conn: Any, name: str, slot_time: int, claimed_by: str) -> Exception:
        sid = self._schedule_id(conn, name)
        row = (
            conn.execute(
                select(schedule_slots).where(
                    (schedule_slots.c.schedule_id == sid)
                    & (schedule_slots.c.slot_time == int(slot_time))
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return ScheduleNotFoundError(
                f"Schedule {name!r} has no slot at {slot_time}", name=name, slot_time=slot_time
            )
        return SlotLeaseLostError(
            f"{claimed_by!r} no longer holds slot {slot_time} of schedule {name!r}: it is "
            f"{row['status']}, attempt {row['attempt']} by {row['claimed_by']!r}",
            schedule=name,
            slot_time=slot_time,
            claimed_by=row["claimed_by"],
            status=row["status"],
        )

    def heartbeat_slot(
        self,
        name: str,
        slot_time: int,
        *,
        claimed_by: str,
        attempt: int,
        lease_ms: int = DEFAULT_LEASE_MS,
        pipeline_run_id: str | None = None,
    ) -> SlotRecord:
        """Renew the lease (and record the pipeline run started for the slot); raises
        ``SlotLeaseLostError`` when another scheduler took the slot over."""
        lease_ms = _check_lease(lease_ms)
        now = now_ms()
        values: dict[str, Any] = {
            "lease_expires_at": now + lease_ms,
            "heartbeat_at": now,
            "updated_at": now,
        }
        if pipeline_run_id is not None:
            values["pipeline_run_id"] = pipeline_run_id
        with write_transaction(self.engine) as conn:
            where = self._owned(conn, name, slot_time, claimed_by, attempt)
            if conn.execute(update(schedule_slots).where(where).values(values)).rowcount != 1:
                raise self._lost(conn, name, slot_time, claimed_by)
            return _slot(conn.execute(select(schedule_slots).where(where)).mappings().one())

    def take_over_slot(
        self,
        name: str,
        *,
        claimed_by: str,
        lease_ms: int = DEFAULT_LEASE_MS,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> SlotRecord | None:
        """Take over the oldest CLAIMED slot whose lease expired (its scheduler died):
        the slot is leased to ``claimed_by`` with ``attempt`` + 1, or, when it had
        ``max_attempts`` already, recorded FAILED. None when no claim has expired or
        another scheduler took each one first."""
        lease_ms = _check_lease(lease_ms)
        if not 1 <= max_attempts <= 100:
            raise InvalidInputError(f"max_attempts must be in 1..100, got {max_attempts}")
        now = now_ms()
        c = schedule_slots.c
        with write_transaction(self.engine) as conn:
            sid = self._schedule_id(conn, name)
            expired = (
                (c.schedule_id == sid)
                & (c.status == SlotStatus.CLAIMED.value)
                & (c.lease_expires_at < now)
            )
            candidates = conn.execute(
                select(c.id, c.attempt, c.claimed_by).where(expired).order_by(c.slot_time).limit(8)
            ).all()
            for slot_id, attempt, owner in candidates:
                values = _takeover_values(now, claimed_by, lease_ms, (attempt, owner), max_attempts)
                cas = update(schedule_slots).where(expired & (c.id == slot_id))
                if conn.execute(cas.values(values)).rowcount == 1:
                    row = conn.execute(select(schedule_slots).where(c.id == slot_id))
                    return _slot(row.mappings().one())
        return None

    def finish_slot(
        self,
        name: str,
        slot_time: int,
        status: str,
        pipeline_run_id: str | None = None,
        *,
        claimed_by: str | None = None,
        attempt: int | None = None,
    ) -> SlotRecord:
        """Record how a fired slot ended (and which pipeline run it started). With
        ``claimed_by`` and ``attempt`` only while that claim still holds the slot (else
        ``SlotLeaseLostError``)."""
        if status not in SlotStatus.__members__:
            raise InvalidInputError(f"Unknown slot status {status!r}")
        values: dict[str, Any] = {
            "status": status,
            "updated_at": now_ms(),
            "lease_expires_at": None,
        }
        if pipeline_run_id is not None:
            values["pipeline_run_id"] = pipeline_run_id
        with write_transaction(self.engine) as conn:
            sid = self._schedule_id(conn, name)
            at = (schedule_slots.c.schedule_id == sid) & (
                schedule_slots.c.slot_time == int(slot_time)
            )
            where = at
            if claimed_by is not None:
                where = self._owned(conn, name, slot_time, claimed_by, attempt or 1)
            if conn.execute(update(schedule_slots).where(where).values(values)).rowcount != 1:
                raise self._lost(conn, name, slot_time, claimed_by or "")
            return _slot(conn.execute(select(schedule_slots).where(at)).mappings().one())

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
