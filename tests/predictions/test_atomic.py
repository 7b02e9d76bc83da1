"""A batch run that fails or crashes mid-way leaves the previous predictions readable."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

import shipyard as sy
from predictions_support import World, make_world
from shipyard.batch import executors


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    return make_world(f"sqlite:///{tmp_path / 'shipyard.db'}", tmp_path, monkeypatch)


def _predict(world: World, tmp_path: Path, workers: int) -> sy.predictions.BatchResult:
    return sy.predict_batch(
        f"models:/{world.model}@champion", features=world.service, entities=world.entities,
        output="pred", chunk_rows=8, workers=workers, files_dir=tmp_path / "files",
        sql_url=f"sqlite:///{tmp_path / 'serving.db'}", sql_table="predictions",
    )  # fmt: skip


def _sql_rows(tmp_path: Path) -> int:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'serving.db'}")
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM predictions")).scalar_one()
    engine.dispose()
    return int(count)


def _assert_first_run_intact(first: sy.predictions.BatchResult, tmp_path: Path) -> None:
    assert [v.version for v in sy.predictions.versions("pred")] == [1]
    assert set(sy.predictions.latest("pred")["batch_run_id"]) == {first.run_id}
    files = pd.read_parquet(tmp_path / "files" / "pred" / "current")
    assert len(files) == 60 and set(files["batch_run_id"]) == {first.run_id}
    assert _sql_rows(tmp_path) == 60


def test_a_worker_failure_commits_nothing(
    embedded: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _predict(embedded, tmp_path, workers=2)  # spawned worker processes
    score = executors.ScoreJob.score
    late = pd.Timestamp("2026-11-03 06:00", tz="UTC")

    def failing(self: executors.ScoreJob, model: object, rows: pd.DataFrame) -> pd.DataFrame:
        if pd.to_datetime(rows["event_timestamp"], utc=True).max() >= late:
            raise RuntimeError("disk full")
        return score(self, model, rows)

    monkeypatch.setattr(executors.ScoreJob, "score", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        _predict(embedded, tmp_path, workers=1)  # in this process, so the patch applies
    _assert_first_run_intact(first, tmp_path)
    failed = sy.Client().search_runs("batch-predictions", filter="attributes.status = 'FAILED'")
    assert len(failed) == 1


def test_a_crashed_process_commits_nothing(embedded: World, tmp_path: Path) -> None:
    first = _predict(embedded, tmp_path, workers=1)
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(Path(__file__).parents[1])!r})
        import pandas as pd
        import shipyard as sy
        from shipyard.batch import executors
        from shipyard.batch.layout import write_partitioned
        calls = []
        def crash(frame, root, part):
            calls.append(part)
            if len(calls) == 3:   # parts already written: the process dies mid-run
                os._exit(17)
            return write_partitioned(frame, root, part)
        executors.write_partitioned = crash
        entities = pd.read_parquet({str(tmp_path / "entities.parquet")!r})
        sy.predict_batch("models:/{embedded.model}@champion", features="{embedded.service}",
            entities=entities, output="pred", chunk_rows=8, workers=1,
            files_dir={str(tmp_path / "files")!r},
            sql_url="sqlite:///{tmp_path / "serving.db"}", sql_table="predictions")
    """)
    embedded.entities.to_parquet(tmp_path / "entities.parquet")
    proc = subprocess.run([sys.executable, "-c", script], env=os.environ.copy(),
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert proc.returncode == 17, proc.stderr
    _assert_first_run_intact(first, tmp_path)
