"""Helpers shared by tests (importable because pyproject sets pytest's pythonpath)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

PG_ADMIN_URL = os.environ.get(
    "SHIPYARD_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """Create a uniquely named PostgreSQL database and drop it (WITH FORCE) afterwards.

    PostgreSQL is a required service of the test suite: when it is down this fails
    loudly instead of skipping (``.ci/run`` starts it)."""
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"shipyard_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


def start_server_process(database_url: str, port: int, *extra: str) -> subprocess.Popen[bytes]:
    """``shipyard server`` as a real subprocess, waited for until healthy."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shipyard.cli.main",
            "server",
            "--port",
            str(port),
            "--backend-store-uri",
            database_url,
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/api/v1/health")
    except TimeoutError:
        proc.kill()
        _, err = proc.communicate()
        raise RuntimeError(f"server did not start: {err.decode()[-2000:]}") from None
    return proc


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
