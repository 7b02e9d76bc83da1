"""``shipyard ui``: the web UI on the embedded store, in a real process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import Result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.integration
def test_ui_serves_pages_of_the_embedded_store(tmp_path: Path) -> None:
    port = _free_port()
    home = tmp_path / "home"
    env = {**os.environ, "SHIPYARD_HOME": str(home)}
    env.pop("SHIPYARD_AUTH", None)
    env.pop("SHIPYARD_TRACKING_URI", None)
    subprocess.run(
        [sys.executable, "-c", "import shipyard as sy; sy.start_run(project='shown').finish()"],
        env=env, check=True,
    )  # fmt: skip
    cmd = [sys.executable, "-m", "shipyard.cli.main", "ui", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        page = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert page is not None and page.status_code == 200
        assert '<a href="/projects/shown">shown</a>' in page.text
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        if proc.stdout is not None:
            proc.stdout.close()


def test_ui_help_names_the_pages(invoke) -> None:
    result: Result = invoke("ui", "--help")
    assert result.exit_code == 0 and "web UI" in result.stdout
