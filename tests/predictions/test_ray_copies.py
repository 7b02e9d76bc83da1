"""Ray actors keep no parts on the driver: the file and SQL copies are made from the
blobs they stored."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

import shipyard as sy
from predictions_support import make_world


def test_ray_runs_publish_files_and_sql_from_the_stored_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(f"sqlite:///{tmp_path / 'shipyard.db'}", tmp_path, monkeypatch)
    result = sy.predict_batch(
        f"models:/{world.model}@champion", features=world.service, entities=world.entities,
        output="ray-copies", executor="ray", workers=2, chunk_rows=16,
        files_dir=tmp_path / "files", sql_url=f"sqlite:///{tmp_path / 'serving.db'}",
        sql_table="predictions",
    )  # fmt: skip
    assert result.rows == 60 and result.sql_rows == 60
    files = pd.read_parquet(tmp_path / "files" / "ray-copies" / "current")
    assert len(files) == 60 and set(files["batch_run_id"]) == {result.run_id}
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'serving.db'}")
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM predictions")).scalar_one()
    engine.dispose()
    assert count == 60
    stored = sorted(e.path for e in result.artifact.files())
    published = sorted(
        p.relative_to(result.files).as_posix() for p in result.files.rglob("*.parquet")
    )
    assert published == stored
