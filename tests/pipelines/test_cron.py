"""Cron slots in time zones, backfill intervals and catch-up plans."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shipyard.core.errors import InvalidScheduleError
from shipyard.pipelines.cron import (
    check_catchup,
    check_cron,
    check_timezone,
    due_slots,
    intervals,
    parse_when,
    to_ms,
)
from shipyard.pipelines.records import ScheduleRecord
from shipyard.pipelines.scheduler import interval_params, plan


def _ms(text: str) -> int:
    return to_ms(datetime.fromisoformat(text))


def test_due_slots_in_a_time_zone_across_daylight_saving() -> None:
    # 02:30 does not exist on 2026-03-29 in Paris: that day's slot fires at 03:00 CEST
    slots = due_slots("30 2 * * *", "Europe/Paris", _ms("2026-03-27T12:00:00+00:00"),
                      _ms("2026-03-31T12:00:00+00:00"), 100)  # fmt: skip
    local = [datetime.fromtimestamp(s / 1000, UTC).astimezone(check_timezone("Europe/Paris"))
             for s in slots]  # fmt: skip
    assert [d.isoformat() for d in local] == [
        "2026-03-28T02:30:00+01:00", "2026-03-29T03:00:00+02:00",
        "2026-03-30T02:30:00+02:00", "2026-03-31T02:30:00+02:00",
    ]  # fmt: skip


def test_due_slots_keeps_the_newest_when_limited() -> None:
    start = _ms("2026-01-01T00:00:00+00:00")
    slots = due_slots("0 * * * *", "UTC", start, start + 10 * 3600_000, 3)
    assert slots == [start + h * 3600_000 for h in (8, 9, 10)]


def test_intervals_cover_the_range() -> None:
    got = list(intervals("0 0 * * *", "UTC", parse_when("2026-01-01"), parse_when("2026-01-04")))
    assert [(a.day, b.day) for a, b in got] == [(1, 2), (2, 3), (3, 4)]
    late = list(
        intervals("0 0 * * *", "UTC", parse_when("2026-01-01T05:00"), parse_when("2026-01-04"))
    )
    assert [a.day for a, _ in late] == [2, 3]
    with pytest.raises(InvalidScheduleError, match="not after"):
        list(intervals("0 0 * * *", "UTC", parse_when("2026-01-02"), parse_when("2026-01-01")))
    with pytest.raises(InvalidScheduleError, match="10000"):
        list(intervals("* * * * *", "UTC", parse_when("2026-01-01"), parse_when("2026-02-01")))


def test_validation_errors() -> None:
    with pytest.raises(InvalidScheduleError, match="cron"):
        check_cron("61 * * * *")
    with pytest.raises(InvalidScheduleError, match="time zone"):
        check_timezone("Nowhere/Land")
    with pytest.raises(InvalidScheduleError, match="catch-up"):
        check_catchup("some")
    with pytest.raises(InvalidScheduleError, match="ISO 8601"):
        parse_when("yesterday")


def _schedule(catchup: str, active_since: int, last_slot: int | None = None) -> ScheduleRecord:
    return ScheduleRecord(
        id=1, name="s", pipeline="p", cron="0 * * * *", timezone="UTC", params={},
        catchup=catchup, status="ACTIVE", active_since=active_since, created_at=0,
        updated_at=0, last_slot=last_slot,
    )  # fmt: skip


HOUR = 3600_000
T0 = _ms("2026-01-01T00:00:00+00:00")


@pytest.mark.parametrize(
    ("catchup", "fire", "missed"),
    [
        ("all", [1, 2, 3], []),
        ("latest", [3], [1, 2]),
        ("none", [3], [1, 2]),  # slot 3 is 10 s late, within the grace
    ],
)
def test_catch_up_policies(catchup: str, fire: list[int], missed: list[int]) -> None:
    got = plan(_schedule(catchup, T0 + 1), T0 + 3 * HOUR + 10_000, grace_ms=60_000)
    assert got.fire == [T0 + h * HOUR for h in fire]
    assert got.missed == [T0 + h * HOUR for h in missed]


def test_none_policy_misses_a_late_slot_and_plans_resume_after_the_last_slot() -> None:
    late = plan(_schedule("none", T0 + 1), T0 + HOUR + 120_000, grace_ms=60_000)
    assert late.fire == [] and late.missed == [T0 + HOUR]
    after = plan(_schedule("all", T0 + 1, last_slot=T0 + 2 * HOUR), T0 + 3 * HOUR, grace_ms=0)
    assert after.fire == [T0 + 3 * HOUR] and after.missed == []


def test_interval_params_end_at_the_slot() -> None:
    params = interval_params(_schedule("all", 0), T0 + 2 * HOUR)
    assert params == {"interval_start": "2026-01-01T01:00:00+00:00",
                      "interval_end": "2026-01-01T02:00:00+00:00"}  # fmt: skip
