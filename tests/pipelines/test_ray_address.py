"""``--ray-address`` and ``RAY_ADDRESS`` join a running Ray cluster instead of starting a
local one: the steps run on that cluster's workers (a head node started for the test in
its own process, with the tests on its import path, shut down by closing its stdin)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from shipyard.client import backend_for
from shipyard.client.pipelines import PipelineRun

TESTS = Path(__file__).resolve().parents[1]
SRC = TESTS.parent / "src"
HEAD = """
import sys, ray
info = ray.init(num_cpus=2, include_dashboard=False, _temp_dir=sys.argv[1])
print(info.address_info["gcs_address"], flush=True)
sys.stdin.read()
ray.shutdown()
"""


TOKEN = secrets.token_hex(32)


def _env(**extra: str) -> dict[str, str]:
    """The tests on the import path, and the cluster's auth token (Ray token auth)."""
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    path = os.pathsep.join([str(SRC), str(TESTS)])
    return {**env, "PYTHONPATH": path, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": TOKEN, **extra}


@pytest.fixture
def ray_head() -> Iterator[str]:
    """The GCS address of a one-node Ray cluster running in a child process."""
    temp = tempfile.mkdtemp(prefix="sy-ray-", dir="/tmp")  # short: Ray's socket paths
    head = subprocess.Popen(
        [sys.executable, "-c", HEAD, temp],
        env=_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        address = head.stdout.readline().strip()
        assert address, "the Ray head did not start"
        yield address
    finally:
        head.stdin.close()
        head.wait(timeout=120)
        shutil.rmtree(temp, ignore_errors=True)


def _run_cli(uri: str, *extra: str, env: dict[str, str]) -> dict:
    code = "from shipyard.cli.main import app; app()"
    args = ["pipelines", "run", "pipelines.ray_fixtures:located", "--executor", "ray"]
    done = subprocess.run(
        [sys.executable, "-c", code, *args, *extra, "--tracking-uri", uri, "--json"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_ray_address_option_and_environment_join_the_cluster(
    ray_head: str, sqlite_url: str, live_server
) -> None:
    uri = live_server(sqlite_url).url  # on a cluster the tracking URI is a server
    backend = backend_for(uri)
    by_option = _run_cli(uri, "--ray-address", ray_head, env=_env())
    by_env = _run_cli(uri, env=_env(RAY_ADDRESS=ray_head))
    for record in (by_option, by_env):
        run = PipelineRun(backend.get_pipeline_run(record["id"]), backend)
        assert (run.status, run.record.executor) == ("SUCCEEDED", "ray")
        assert run.output() == ray_head  # the step ran on the cluster's worker
