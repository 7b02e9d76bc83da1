"""The SQL copy and the artifact version commit together: a failure in either leaves
the previous batch run's predictions as the latest in the store, the table and the
files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

import shipyard as sy
from predictions_support import World, make_world
from shipyard.batch import SqlCopy
from shipyard.client import Run
from shipyard.core.errors import InvalidInputError


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    return make_world(f"sqlite:///{tmp_path / 'shipyard.db'}", tmp_path, monkeypatch)


def _predict(world: World, tmp_path: Path) -> sy.predictions.BatchResult:
    return sy.predict_batch(
        f"models:/{world.model}@champion", features=world.service, entities=world.entities,
        output="pred", chunk_rows=16, workers=1, files_dir=tmp_path / "files",
        sql_url=f"sqlite:///{tmp_path / 'serving.db'}", sql_table="predictions",
    )  # fmt: skip


def _sql_run_ids(tmp_path: Path) -> list[str]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'serving.db'}")
    with engine.connect() as conn:
        ids = conn.execute(sa.text("SELECT batch_run_id FROM predictions")).scalars().all()
    engine.dispose()
    return list(ids)


def _assert_only(first: sy.predictions.BatchResult, tmp_path: Path) -> None:
    assert [v.version for v in sy.predictions.versions("pred")] == [first.artifact.version]
    assert set(sy.predictions.latest("pred")["batch_run_id"]) == {first.run_id}
    assert _sql_run_ids(tmp_path) == [first.run_id] * 60
    files = pd.read_parquet(tmp_path / "files" / "pred" / "current")
    assert set(files["batch_run_id"]) == {first.run_id}
    runs = tmp_path / "files" / "pred" / "runs"
    assert sorted(p.name for p in runs.iterdir()) == [first.run_id]  # nothing staged left


def test_a_failed_artifact_commit_leaves_no_sql_rows(
    embedded: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _predict(embedded, tmp_path)

    def refuse(self: Run, *args: object, **kwargs: object) -> None:
        raise RuntimeError("metadata store unavailable")

    monkeypatch.setattr(Run, "commit_artifact", refuse)
    with pytest.raises(RuntimeError, match="metadata store unavailable"):
        _predict(embedded, tmp_path)
    _assert_only(first, tmp_path)


def test_a_failed_sql_commit_withdraws_the_new_version(
    embedded: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _predict(embedded, tmp_path)

    def refuse(self: SqlCopy) -> None:
        raise RuntimeError("serving database went away")

    monkeypatch.setattr(SqlCopy, "commit", refuse)
    with pytest.raises(RuntimeError, match="serving database went away"):
        _predict(embedded, tmp_path)
    _assert_only(first, tmp_path)
    failed = sy.Client().search_runs("batch-predictions", filter="attributes.status = 'FAILED'")
    assert len(failed) == 1


def test_the_sql_copy_cannot_share_the_sqlite_metadata_database(
    embedded: World, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInputError, match="metadata database itself"):
        sy.predict_batch(
            f"models:/{embedded.model}@champion", features=embedded.service,
            entities=embedded.entities, workers=1, sql_url=embedded.tracking_uri,
            sql_table="predictions",
        )  # fmt: skip
