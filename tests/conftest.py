"""Shared fixtures: database URLs and real servers on loopback ports.

* ``sqlite_url`` - a fresh SQLite database in the test's tmp folder.
* ``postgres_url`` - a fresh PostgreSQL database on 127.0.0.1:5432, dropped afterwards
  (``tests_support.fresh_postgres_database``). Mark such tests ``@pytest.mark.postgres``.
* ``live_server`` - a factory: ``live_server(db_url, auth=False, **create_app_kwargs)``
  starts ``create_app`` under uvicorn in a background thread on a free 127.0.0.1 port
  and returns a ``LiveServer`` (``.url`` is the base URL, ``.app`` the FastAPI app).
  Every server started is stopped when the test ends.
* ``quickstart_home`` - a home after one ``shipyard quickstart`` (session-wide; copy it
  with ``quickstart_support.copy_home`` before changing it).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from quickstart_support import quickstart_home  # noqa: F401 - a session fixture
from s3_support import s3_endpoint  # noqa: F401 - a session fixture for every test
from tests_support import fresh_postgres_database


@dataclass
class LiveServer:
    """A running server: base URL, the app, and the uvicorn server/thread to stop."""

    url: str
    app: Any
    server: Any
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.app.state.engine.dispose()


def start_server(app: Any, timeout: float = 15.0) -> LiveServer:
    """Serve ``app`` on a free loopback port and wait until /api/v1/health answers."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    live = LiveServer(url, app, server, thread)
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return live
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            live.stop()
            raise RuntimeError(f"server on {url} did not start")
        time.sleep(0.02)


@pytest.fixture
def live_server() -> Iterator[Callable[..., LiveServer]]:
    """Factory: ``live_server(db_url, auth=False, **kwargs) -> LiveServer``."""
    from shipyard.server import create_app

    started: list[LiveServer] = []

    def start(database_url: str, *, auth: bool = False, **kwargs: Any) -> LiveServer:
        live = start_server(create_app(database_url, auth=auth, **kwargs))
        started.append(live)
        return live

    yield start
    for live in reversed(started):
        live.stop()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file in the test's tmp folder."""
    return f"sqlite:///{tmp_path / 'shipyard.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped (WITH FORCE) afterwards."""
    with fresh_postgres_database() as url:
        yield url
