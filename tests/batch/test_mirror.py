"""The file and SQL copies of a batch run: all or nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from shipyard.batch import SqlCopy, discard_files, publish_files, stage_files
from shipyard.core.errors import InvalidInputError


def _count(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("preds"):
                return 0
            return int(conn.execute(sa.text("SELECT count(*) FROM preds")).scalar_one())
    finally:
        engine.dispose()


def test_sql_rows_appear_only_when_the_block_ends(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serving.db'}"
    with SqlCopy(url, "preds") as sql:
        sql.insert(pd.DataFrame({"x": [1, 2]}))
        sql.insert(pd.DataFrame({"x": [3]}))
        assert _count(url) == 0  # not committed yet: other readers see nothing
    assert sql.rows == 3 and _count(url) == 3


def test_a_failure_inside_the_block_rolls_the_rows_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serving.db'}"
    with SqlCopy(url, "preds") as sql:
        sql.insert(pd.DataFrame({"x": [1]}))
    with pytest.raises(RuntimeError, match="artifact commit failed"), SqlCopy(url, "preds") as sql:
        sql.insert(pd.DataFrame({"x": [2, 3]}))
        raise RuntimeError("artifact commit failed")
    assert _count(url) == 1


def test_a_bad_table_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="letters, digits"):
        SqlCopy(f"sqlite:///{tmp_path / 'x.db'}", "preds; drop table x")


def test_staged_files_become_current_only_when_published(tmp_path: Path) -> None:
    part = tmp_path / "part.parquet"
    pd.DataFrame({"x": [1]}).to_parquet(part)
    first = stage_files([("date=2026-11-02/part-0.parquet", part)], tmp_path / "out", "p", "r1")
    link = publish_files(first)
    second = stage_files([("date=2026-11-03/part-0.parquet", part)], tmp_path / "out", "p", "r2")
    assert link.resolve() == first.resolve()  # staged, not yet visible
    discard_files(second)
    assert not second.exists() and link.resolve() == first.resolve()
    third = stage_files([("date=2026-11-04/part-0.parquet", part)], tmp_path / "out", "p", "r3")
    assert publish_files(third).resolve() == third.resolve()
    assert (link / "date=2026-11-04" / "part-0.parquet").is_file()
