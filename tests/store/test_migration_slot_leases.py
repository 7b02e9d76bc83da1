"""Migration 0010 gives claims made before leases existed a lease, and downgrades."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from shipyard.store.db import alembic_config, create_store_engine, write_transaction
from tests_support import fresh_postgres_database

DAY_MS = 86_400_000


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = create_store_engine(f"sqlite:///{tmp_path / 'm.db'}", upgrade=False)
        yield eng
        eng.dispose()
        return
    with fresh_postgres_database() as url:
        eng = create_store_engine(url, upgrade=False)
        yield eng
        eng.dispose()


def _migrate(engine: Engine, target: str, *, down: bool = False) -> None:
    cfg = alembic_config()
    with write_transaction(engine) as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, target)


def test_old_claims_get_a_lease_and_the_migration_reverts(engine: Engine) -> None:
    _migrate(engine, "0009")
    with write_transaction(engine) as conn:
        conn.execute(
            text(
                "INSERT INTO pipelines (name, project, target, definition, created_at, "
                "updated_at) VALUES ('p', 'pr', '', '{}', 1, 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO schedules (name, pipeline_id, cron, timezone, params, catchup, "
                "status, active_since, created_at, updated_at) "
                "VALUES ('s', 1, '* * * * *', 'UTC', '{}', 'latest', 'ACTIVE', 1, 1, 1)"
            )
        )
        for slot, status in ((60_000, "CLAIMED"), (120_000, "SUCCEEDED")):
            conn.execute(
                text(
                    "INSERT INTO schedule_slots (schedule_id, slot_time, status, claimed_by, "
                    "claimed_at, updated_at) VALUES (1, :slot, :status, 'old', 5000, 5000)"
                ),
                {"slot": slot, "status": status},
            )
    _migrate(engine, "0010")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT status, lease_expires_at, attempt FROM schedule_slots ORDER BY slot_time")
        ).all()
    assert [tuple(r) for r in rows] == [("CLAIMED", 5000 + DAY_MS, 1), ("SUCCEEDED", None, 1)]
    _migrate(engine, "0009", down=True)
    columns = {c["name"] for c in inspect(engine).get_columns("schedule_slots")}
    assert "lease_expires_at" not in columns and "attempt" not in columns
