"""A server that dies mid-run loses nothing: the client keeps its points and delivers
them once the server is back."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pytest

import shipyard as sy
from tests_support import free_port, start_server_process

pytestmark = pytest.mark.integration


def test_points_logged_while_the_server_is_down_arrive_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHIPYARD_RETRY_MAX_SECONDS", "0.5")
    monkeypatch.setenv("SHIPYARD_FLUSH_SECONDS", "0.1")
    db = f"sqlite:///{tmp_path / 'server.db'}"
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    server = start_server_process(db, port)
    try:
        run = sy.start_run(project="resilience", tracking_uri=uri)
        for step in range(1000):
            run.log({"loss": float(step)}, step=step)
        assert run.flush(30)

        os.kill(server.pid, signal.SIGKILL)  # no graceful shutdown
        server.wait(10)
        for step in range(1000, 3000):  # logging goes on without blocking
            run.log({"loss": float(step)}, step=step)
        assert not run.flush(1.0)  # nothing can be delivered while the server is down

        server = start_server_process(db, port)
        run.finish()
        client = sy.Client(uri)
        history = client.get_metric_history(run.id, "loss")
        assert np.array_equal(history.steps, np.arange(3000))  # every point, none twice
        assert client.get_run(run.id).status == "FINISHED"
    finally:
        server.kill()
        server.wait(10)
