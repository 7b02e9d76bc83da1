"""The predictions store with its metadata in PostgreSQL, embedded and through a server:
``predict_batch``, ``sy.predictions.latest/versions/trace``, the REST API, and the
optional SQL copy into a PostgreSQL table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
import sqlalchemy as sa

import shipyard as sy
from predictions_support import World, make_world
from tests_support import fresh_postgres_database


@pytest.fixture(params=["local", "http"])
def pg_world(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    live_server,
) -> Iterator[tuple[World, str, str]]:
    """(the world, the metadata database URL, the URL of a server on that database and
    the same blob store, so embedded writes are read back over REST)."""
    monkeypatch.setenv("SHIPYARD_HOME", str(tmp_path / "home"))  # as make_world sets it
    with fresh_postgres_database() as url:
        server = live_server(url)
        uri = server.url if request.param == "http" else url
        yield make_world(uri, tmp_path, monkeypatch), url, server.url


@pytest.fixture
def serving_db() -> Iterator[str]:
    """A separate PostgreSQL database the predictions are copied into."""
    with fresh_postgres_database() as url:
        yield url


def _predict(world: World, entities: pd.DataFrame, serving: str, version: str = "@champion"):
    return sy.predict_batch(
        f"models:/{world.model}{version}", features=world.service, entities=entities,
        output="pred", chunk_rows=16, workers=1, sql_url=serving, sql_table="predictions",
    )  # fmt: skip


def test_predictions_in_postgres_read_back_every_way(
    pg_world: tuple[World, str, str], serving_db: str
) -> None:
    world, _, server = pg_world
    first = _predict(world, world.entities, serving_db, "/1")
    assert first.rows == 60 and first.sql_rows == 60
    later = world.entities.assign(
        event_timestamp=world.entities["event_timestamp"] + pd.Timedelta(hours=1)
    )
    second = _predict(world, later, serving_db)
    assert [v.version for v in sy.predictions.versions("pred")] == [1, 2]
    latest = sy.predictions.latest("pred")
    assert len(latest) == 60 and set(latest["batch_run_id"]) == {second.run_id}
    assert set(latest["model_name"]) == {world.model}
    assert set(latest["feature_service_version"]) == {1}
    old = sy.predictions.latest("pred", version=1)
    assert set(old["batch_run_id"]) == {first.run_id}
    day = sy.predictions.latest("pred", date="2026-11-03")
    assert set(day["prediction_date"]) == {"2026-11-03"} and 0 < len(day) < 60
    lineage = sy.predictions.trace(latest.iloc[0], "pred")
    assert world.raw_ref in [a["ref"] for a in lineage["artifacts"]]
    assert lineage["model"] == {"name": world.model, "version": 1}

    api = f"{server}/api/v1/predictions/pred"
    runs = httpx.get(api).json()["items"]
    assert [r["version"] for r in runs] == [1, 2] and {r["rows"] for r in runs} == {60}
    page = httpx.get(f"{api}/latest", params={"limit": 7}).json()
    assert page["version"] == 2 and page["total"] == 60 and len(page["items"]) == 7
    assert {r["batch_run_id"] for r in page["items"]} == {second.run_id}
    assert httpx.get(f"{server}/api/v1/predictions/nope/latest").status_code == 404


def test_sql_copy_into_postgres_appends_each_run_in_one_transaction(
    pg_world: tuple[World, str, str], serving_db: str
) -> None:
    world, _, _ = pg_world
    first = _predict(world, world.entities, serving_db)
    second = _predict(world, world.entities.head(20), serving_db)
    engine = sa.create_engine(serving_db)
    with engine.connect() as conn:
        counts = dict(
            conn.execute(
                sa.text("SELECT batch_run_id, count(*) FROM predictions GROUP BY batch_run_id")
            ).all()
        )
        row = conn.execute(
            sa.text(
                "SELECT model_name, model_version, prediction FROM predictions "
                "WHERE batch_run_id = :run LIMIT 1"
            ),
            {"run": first.run_id},
        ).one()
        columns = {c["name"]: c["type"] for c in sa.inspect(conn).get_columns("predictions")}
    engine.dispose()
    assert counts == {first.run_id: 60, second.run_id: 20}
    assert row.model_name == world.model and row.model_version == 1
    assert isinstance(columns["prediction"], sa.Float) and row.prediction > 100.0
    stored = sy.predictions.latest("pred", version=1).sort_values("prediction")
    assert abs(stored["prediction"].iloc[-1] - stored["prediction"].max()) < 1e-9


def test_a_failed_copy_leaves_the_previous_predictions(
    pg_world: tuple[World, str, str], serving_db: str
) -> None:
    world, _, _ = pg_world
    first = _predict(world, world.entities, serving_db)
    engine = sa.create_engine(serving_db)
    with engine.begin() as conn:  # new rows of one region are refused, after the others
        conn.execute(
            sa.text(
                "ALTER TABLE predictions ADD CONSTRAINT north_only "
                "CHECK (region = 'north') NOT VALID"
            )
        )
    engine.dispose()
    with pytest.raises(Exception, match="north_only"):
        _predict(world, world.entities, serving_db)
    assert [v.version for v in sy.predictions.versions("pred")] == [1]
    assert set(sy.predictions.latest("pred")["batch_run_id"]) == {first.run_id}
    engine = sa.create_engine(serving_db)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM predictions")).scalar_one() == 60
    engine.dispose()


def test_cli_entities_query_runs_in_postgres_and_data_given_whole(
    pg_world: tuple[World, str, str], serving_db: str
) -> None:
    from typer.testing import CliRunner

    from shipyard.cli.main import app

    world, _, _ = pg_world
    engine = sa.create_engine(serving_db)
    world.entities.to_sql("entities", engine, index=False)
    engine.dispose()
    query = "SELECT region, event_timestamp FROM entities WHERE region = 'south'"
    args = [
        "predict", f"models:/{world.model}@champion", "--features", world.service,
        "--entities", query, "--output", "south", "--workers", "1",
        "--sql-url", serving_db, "--sql-table", "south_predictions",
    ]  # fmt: skip
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    south = sy.predictions.latest("south")
    assert len(south) == 30 and set(south["region"]) == {"south"}
    engine = sa.create_engine(serving_db)
    with engine.connect() as conn:
        copied = conn.execute(sa.text("SELECT count(*) FROM south_predictions")).scalar_one()
    engine.dispose()
    assert copied == 30

    given = world.entities.assign(temp=20.0)  # the model's feature, no feature store
    result = sy.predict_batch(f"models:/{world.model}@champion", data=given, output="given")
    frame = sy.predictions.latest("given")
    assert result.feature_service is None and len(frame) == 60
    assert (frame["prediction"] - 160.0).abs().max() < 1e-6  # 100 + 3 * 20
