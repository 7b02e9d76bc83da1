"""A one-node Ray cluster in a child process, for tests that join a cluster by address.

The head runs ``ray.init()`` in its own process with ``src`` and ``tests`` on its import
path (so its workers import the tests' pipelines and Shipyard) and Ray's token
authentication on; it shuts Ray down when its stdin closes. ``ray_env`` is the
environment a driver needs to join it."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SRC = TESTS.parent / "src"
TOKEN = secrets.token_hex(32)
HEAD = """
import sys, ray
info = ray.init(num_cpus=2, include_dashboard=False, _temp_dir=sys.argv[1])
print(info.address_info["gcs_address"], flush=True)
sys.stdin.read()
ray.shutdown()
"""


def ray_env(**extra: str) -> dict[str, str]:
    """This environment without RAY_ADDRESS, plus the import path and the auth token."""
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    path = os.pathsep.join([str(SRC), str(TESTS)])
    return {**env, "PYTHONPATH": path, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": TOKEN, **extra}


@contextmanager
def ray_head() -> Iterator[str]:
    """The GCS address of the running head; stopped and cleaned up on exit."""
    temp = tempfile.mkdtemp(prefix="sy-ray-", dir="/tmp")  # short: Ray's socket paths
    head = subprocess.Popen(
        [sys.executable, "-c", HEAD, temp],
        env=ray_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert head.stdin is not None and head.stdout is not None
        address = head.stdout.readline().strip()
        if not address:
            raise RuntimeError("the Ray head did not start")
        yield address
    finally:
        if head.stdin is not None:
            head.stdin.close()
        head.wait(timeout=120)
        shutil.rmtree(temp, ignore_errors=True)
