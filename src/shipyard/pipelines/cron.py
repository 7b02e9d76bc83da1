"""Cron expressions in a time zone (croniter + zoneinfo): validation, due slots and
intervals. Slots are aware datetimes; the store keeps them as epoch milliseconds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from shipyard.core.errors import InvalidScheduleError
from shipyard.pipelines.records import CatchUp

__all__ = [
    "MAX_INTERVALS",
    "check_catchup",
    "check_cron",
    "check_timezone",
    "due_slots",
    "intervals",
    "next_slot",
    "parse_when",
    "to_ms",
]

MAX_INTERVALS = 10_000


def check_timezone(name: str) -> ZoneInfo:
    """The zone called ``name`` (for example "Europe/Paris" or "UTC")."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise InvalidScheduleError(f"Unknown time zone {name!r}", timezone=name) from exc


def check_cron(expr: str) -> str:
    """``expr`` when croniter accepts it (5 fields, or 6 with seconds)."""
    if not isinstance(expr, str) or not croniter.is_valid(expr):
        raise InvalidScheduleError(
            f"Invalid cron expression {expr!r}: expected 5 fields such as '0 * * * *'",
            cron=expr,
        )
    return expr


def check_catchup(policy: str) -> CatchUp:
    try:
        return CatchUp(policy)
    except ValueError as exc:
        raise InvalidScheduleError(
            f"Unknown catch-up policy {policy!r}; use one of none, latest, all", catchup=policy
        ) from exc


def to_ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def _aware(ms: int, tz: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(tz)


def next_slot(expr: str, tz_name: str, after_ms: int) -> int:
    """The first slot strictly after ``after_ms``."""
    tz = check_timezone(tz_name)
    it = croniter(check_cron(expr), _aware(after_ms, tz))
    return to_ms(it.get_next(datetime))


def due_slots(expr: str, tz_name: str, after_ms: int, until_ms: int, limit: int) -> list[int]:
    """Slots in ``(after_ms, until_ms]``, oldest first, at most ``limit`` of the newest."""
    tz = check_timezone(tz_name)
    it = croniter(check_cron(expr), _aware(after_ms, tz))
    out: list[int] = []
    while True:
        slot = to_ms(it.get_next(datetime))
        if slot > until_ms:
            return out
        out.append(slot)
        if len(out) > limit:
            del out[0]


def intervals(
    expr: str, tz_name: str, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """Consecutive ``[slot, next slot)`` intervals whose start is in ``[start, end)``."""
    tz = check_timezone(tz_name)
    if end <= start:
        raise InvalidScheduleError(
            f"Backfill end {end.isoformat()} is not after start {start.isoformat()}"
        )
    begin = start.astimezone(tz)
    matches = croniter.match(check_cron(expr), begin) and begin.second == 0
    lo = begin if matches else croniter(expr, begin).get_next(datetime)
    count = 0
    while lo < end:
        hi = croniter(expr, lo).get_next(datetime)
        yield lo, hi
        count += 1
        if count > MAX_INTERVALS:
            raise InvalidScheduleError(f"Backfill range holds more than {MAX_INTERVALS} intervals")
        lo = hi


def parse_when(text: str, tz_name: str = "UTC") -> datetime:
    """An ISO 8601 date or datetime; naive values are read in ``tz_name``."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidScheduleError(f"Not an ISO 8601 date or datetime: {text!r}") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=check_timezone(tz_name))
    return when
