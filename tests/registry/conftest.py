"""Fixtures: a registry service on SQLite and PostgreSQL, model artifacts to register,
and a local HTTP receiver for webhook deliveries."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import Engine

from shipyard.artifacts import ArtifactService, FileEntry
from shipyard.registry import DeliverySettings, RegistryService, WebhookDispatcher
from shipyard.store.db import create_store_engine
from shipyard.tracking.service import TrackingService
from tests_support import fresh_postgres_database

FAST = DeliverySettings(timeout=3.0, attempts=2, backoff=0.01)


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = create_store_engine(f"sqlite:///{tmp_path / 'registry.db'}")
        yield eng
        eng.dispose()
        return
    with fresh_postgres_database() as url:
        eng = create_store_engine(url)
        yield eng
        eng.dispose()


@pytest.fixture
def registry(engine: Engine) -> Iterator[RegistryService]:
    service = RegistryService(engine, dispatcher=WebhookDispatcher(engine, FAST))
    yield service
    service.dispatcher.close()


@pytest.fixture
def model_artifact(engine: Engine) -> Callable[..., str]:
    """``model_artifact(name, content)`` commits a model artifact version produced by a
    fresh run; returns its ``name:vN``."""
    tracking = TrackingService(engine)
    artifacts = ArtifactService(engine)
    tracking.create_project("registry-tests")

    def make(name: str = "clf", content: str = "model") -> str:
        run = tracking.create_run("registry-tests")
        digest = hashlib.sha256(content.encode()).hexdigest()
        entry = FileEntry("model.skops", digest, len(content))
        return artifacts.commit_version(name, "model", [entry], run_id=run.id).ref

    return make


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, object]:
        data: dict[str, object] = json.loads(self.body)
        return data


@dataclass
class Receiver:
    """A loopback HTTP server recording every request; ``status`` / ``location`` set the
    answer."""

    url: str
    requests: list[Received] = field(default_factory=list)
    status: int = 200
    location: str | None = None


@pytest.fixture
def receiver() -> Iterator[Callable[[], Receiver]]:
    servers: list[ThreadingHTTPServer] = []

    def start() -> Receiver:
        box: list[Receiver] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                rec = box[0]
                body = self.rfile.read(length)
                rec.requests.append(Received(self.path, dict(self.headers), body))
                self.send_response(rec.status)
                if rec.location:
                    self.send_header("Location", rec.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        box.append(Receiver(f"http://127.0.0.1:{server.server_address[1]}"))
        return box[0]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
