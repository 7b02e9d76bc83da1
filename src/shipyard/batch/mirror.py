"""Copies of a batch run's predictions outside the artifact store, each all-or-nothing.

Files: ``<root>/<name>/runs/<run_id>/date=.../part-*.parquet`` is staged under a
temporary name and renamed into place (``stage_files``); once the run's artifact
version is committed, ``<root>/<name>/current`` (a symlink) is swapped to it with one
atomic rename (``publish_files``), so readers see the previous run or the new one.
SQL: every row of the run is inserted in one transaction (``SqlCopy``), committed only
after the artifact version is.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd

from shipyard.core.errors import InvalidInputError

CURRENT = "current"


def stage_files(parts: Iterable[tuple[str, Path]], root: Path, name: str, run_id: str) -> Path:
    """Copy the parts ``(relative path, local file)`` to ``<root>/<name>/runs/<run_id>``
    (through a temporary folder, so the folder is complete or absent); return it."""
    runs = root / name / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    staging = runs / f".{run_id}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        for rel, source in parts:
            dest = staging / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest)
        final = runs / run_id
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def publish_files(staged: Path) -> Path:
    """Point ``<root>/<name>/current`` at a folder ``stage_files`` made; return the link."""
    base = staged.parent.parent
    link = base / CURRENT
    tmp_link = base / f".{CURRENT}.{staged.name}.tmp"
    tmp_link.unlink(missing_ok=True)
    tmp_link.symlink_to(Path("runs") / staged.name, target_is_directory=True)
    os.replace(tmp_link, link)
    return link


def discard_files(staged: Path) -> None:
    """Remove a staged run folder that will not be published."""
    shutil.rmtree(staged, ignore_errors=True)


class SqlCopy:
    """Rows appended to ``table`` at ``url`` in one open transaction:
    ``with SqlCopy(url, table) as sql: sql.insert(frame); ...`` commits when the block
    ends and rolls back if it raises, so a failure after the inserts (the artifact
    commit, say) leaves the table as it was."""

    def __init__(self, url: str, table: str) -> None:
        import sqlalchemy as sa

        if not table.replace("_", "").isalnum():
            raise InvalidInputError(f"SQL table name {table!r} must be letters, digits and _")
        self.table = table
        self.rows = 0
        self._engine = sa.create_engine(url)
        self._conn: Any = None
        self._transaction: Any = None

    def __enter__(self) -> SqlCopy:
        try:
            self._conn = self._engine.connect()
            self._transaction = self._conn.begin()
        except BaseException:
            self._close()
            raise
        return self

    def insert(self, frame: pd.DataFrame) -> None:
        frame.to_sql(self.table, self._conn, if_exists="append", index=False)
        self.rows += len(frame)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                self.commit()
            else:
                self._transaction.rollback()
        finally:
            self._close()

    def commit(self) -> None:
        """Commit the inserted rows (the block's end does this)."""
        self._transaction.commit()

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._engine.dispose()
