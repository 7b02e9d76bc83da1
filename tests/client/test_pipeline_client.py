"""``Client`` pipeline and schedule methods, embedded and through a server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import shipyard as sy
from pipelines import pipeline_fixtures as fx
from shipyard.core.errors import InvalidScheduleError, ScheduleAlreadyExistsError


@pytest.fixture(params=["local", "http"])
def client(request: pytest.FixtureRequest, sqlite_url: str, live_server) -> Iterator[sy.Client]:
    uri = sqlite_url if request.param == "local" else live_server(sqlite_url).url
    c = sy.Client(uri)
    yield c
    c.close()


def test_create_schedule_registers_the_pipeline_and_is_idempotent(client: sy.Client) -> None:
    first = client.create_schedule("hourly", fx.training, cron="0 * * * *", params={"rows": 5})
    assert client.get_pipeline(fx.training.name).target == fx.training.target
    same = client.create_schedule(
        "hourly", fx.training, cron="0 * * * *", params={"rows": 5}, exist_ok=True
    )
    assert same.id == first.id and [s.name for s in client.list_schedules()] == ["hourly"]
    with pytest.raises(ScheduleAlreadyExistsError, match="cron"):
        client.create_schedule("hourly", fx.training, cron="5 * * * *", exist_ok=True)
    with pytest.raises(ScheduleAlreadyExistsError):
        client.create_schedule("hourly", fx.training, cron="0 * * * *", params={"rows": 5})
    assert client.pause_schedule("hourly").status == "PAUSED"
    assert client.resume_schedule("hourly").status == "ACTIVE"
    assert client.schedule_slots("hourly") == []
    client.delete_schedule("hourly")
    assert client.list_schedules() == []


def test_a_pipeline_without_a_schedule_needs_a_cron(client: sy.Client) -> None:
    client.register_pipeline(fx.slow)
    with pytest.raises(InvalidScheduleError, match="cron"):
        client.create_schedule("nightly", fx.slow.name)
