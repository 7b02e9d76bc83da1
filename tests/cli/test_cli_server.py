"""``shipyard server``: a real server process, and the refusal to go public without auth."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from typer.testing import Result

Invoke = Callable[..., Result]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.integration
def test_server_subprocess_serves_health(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "SHIPYARD_HOME": str(tmp_path / "home")}
    env.pop("SHIPYARD_AUTH", None)
    cmd = [
        sys.executable,
        "-m",
        "shipyard.cli.main",
        "server",
        "--port",
        str(port),
        "--backend-store-uri",
        f"sqlite:///{tmp_path / 'server.db'}",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        body = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
                if response.status_code == 200:
                    body = response.json()
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
        assert body is not None and body["status"] == "ok"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    assert (tmp_path / "server.db").exists()


def test_server_refuses_public_host_without_auth(invoke: Invoke) -> None:
    result = invoke("server", "--host", "0.0.0.0", "--no-auth")
    assert result.exit_code == 1
    assert "Error [INVALID_INPUT]" in result.stderr
    assert "without authentication" in result.stderr and "--insecure-public" in result.stderr


def test_server_public_host_refused_by_default_too(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHIPYARD_AUTH", "0")
    result = invoke("server", "--host", "0.0.0.0", "--port", str(_free_port()))
    assert result.exit_code == 1
    assert "without authentication" in result.stderr
