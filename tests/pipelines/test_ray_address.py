"""``--ray-address`` and ``RAY_ADDRESS`` join a running Ray cluster instead of starting a
local one: the steps run on that cluster's workers."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from ray_support import ray_env, ray_head
from shipyard.client import backend_for
from shipyard.client.pipelines import PipelineRun


@pytest.fixture
def head() -> Iterator[str]:
    with ray_head() as address:
        yield address


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
    head: str, sqlite_url: str, live_server
) -> None:
    uri = live_server(sqlite_url).url  # on a cluster the tracking URI is a server
    backend = backend_for(uri)
    by_option = _run_cli(uri, "--ray-address", head, env=ray_env())
    by_env = _run_cli(uri, env=ray_env(RAY_ADDRESS=head))
    for record in (by_option, by_env):
        run = PipelineRun(backend.get_pipeline_run(record["id"]), backend)
        assert (run.status, run.record.executor) == ("SUCCEEDED", "ray")
        assert run.output() == head  # the step ran on the cluster's worker
