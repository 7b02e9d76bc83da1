"""Engine setup and migrations.

SQLite runs in WAL mode with a busy timeout; write transactions on SQLite start with
``BEGIN IMMEDIATE`` so concurrent writers queue on the lock instead of failing when a
read transaction tries to upgrade to a write. PostgreSQL uses psycopg 3.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError

from shipyard.core.config import normalize_database_url
from shipyard.core.errors import StoreError

_MIGRATIONS = Path(__file__).parent / "migrations"
_IMMEDIATE = "shipyard_immediate"
_upgraded: set[str] = set()
_upgrade_lock = threading.Lock()


def create_store_engine(url: str, *, upgrade: bool = True) -> Engine:
    """An engine for a metadata database, migrated to the newest schema by default."""
    url = normalize_database_url(url)
    if url.startswith("sqlite"):
        engine = _sqlite_engine(url)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=8, max_overflow=16)
    if upgrade:
        upgrade_database(engine)
    return engine


def _sqlite_engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=8
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        # Search probes many B-tree pages: map the file and keep a larger page cache.
        cur.execute("PRAGMA mmap_size=268435456")
        cur.execute("PRAGMA cache_size=-32768")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection inside a write transaction: commit on success, roll back on error."""
    with engine.connect() as conn:
        conn.execution_options(**{_IMMEDIATE: True})
        with conn.begin():
            yield conn


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a read transaction (a consistent snapshot)."""
    with engine.connect() as conn, conn.begin():
        yield conn


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_database(engine: Engine, *, force: bool = False) -> str | None:
    """Apply every pending migration; returns the revision the database is at."""
    key = str(engine.url)
    with _upgrade_lock:
        if key in _upgraded and not force:
            return head_revision()
        try:
            head = head_revision()
            if current_revision(engine) != head:
                _run_upgrade(engine)
            _upgraded.add(key)
            return head
        except SQLAlchemyError as exc:
            raise StoreError(f"Could not migrate the database at {engine.url!r}: {exc}") from exc


def _run_upgrade(engine: Engine) -> None:
    cfg = alembic_config()
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            # Two processes starting at once must not both create the tables.
            conn.execute(text("SELECT pg_advisory_xact_lock(7423001)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
