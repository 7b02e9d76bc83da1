"""Copies of a batch run's predictions outside the artifact store, each all-or-nothing.

Files: ``<root>/<name>/runs/<run_id>/date=.../part-*.parquet`` is written under a
temporary name, renamed into place, then ``<root>/<name>/current`` (a symlink) is
swapped to it with one atomic rename, so readers see the previous run or the new one.
SQL: every row of the run is inserted in one transaction.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from shipyard.core.errors import InvalidInputError

CURRENT = "current"


def commit_files(source: Path, root: Path, name: str, run_id: str) -> Path:
    """Publish the parts under ``source`` as run ``run_id`` of ``name``; return the
    ``current`` link (which now points at the run's folder)."""
    base = root / name
    runs = base / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    staging = runs / f".{run_id}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging)
    final = runs / run_id
    os.replace(staging, final)
    link = base / CURRENT
    tmp_link = base / f".{CURRENT}.{run_id}.tmp"
    tmp_link.unlink(missing_ok=True)
    tmp_link.symlink_to(Path("runs") / run_id, target_is_directory=True)
    os.replace(tmp_link, link)
    return link


def commit_sql(frames: Iterable[pd.DataFrame], url: str, table: str) -> int:
    """Append every frame to ``table`` at ``url`` in one transaction; return the rows."""
    import sqlalchemy as sa

    if not table.replace("_", "").isalnum():
        raise InvalidInputError(f"SQL table name {table!r} must be letters, digits and _")
    engine = sa.create_engine(url)
    rows = 0
    try:
        with engine.begin() as conn:
            for frame in frames:
                frame.to_sql(table, conn, if_exists="append", index=False)
                rows += len(frame)
    finally:
        engine.dispose()
    return rows
