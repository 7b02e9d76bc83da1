"""Runs left open when the process ends are closed with the right status."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import shipyard as sy

SCRIPT = """
import shipyard as sy
run = sy.start_run(project="exit", name="{name}")
for step in range(50):
    run.log({{"loss": 1.0 / (step + 1)}}, step=step)
print(run.id, flush=True)
{ending}
"""


@pytest.mark.parametrize(
    ("ending", "status", "returncode"),
    [
        ("", "FINISHED", 0),
        ("raise RuntimeError('training diverged')", "FAILED", 1),
        ("raise KeyboardInterrupt", "KILLED", -2),  # Python re-raises SIGINT on exit
    ],
)
def test_open_run_is_closed_at_exit(
    tmp_path: Path, ending: str, status: str, returncode: int
) -> None:
    env = {**os.environ, "SHIPYARD_HOME": str(tmp_path)}
    env.pop("SHIPYARD_TRACKING_URI", None)
    script = textwrap.dedent(SCRIPT.format(name=status.lower(), ending=ending))
    proc = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == returncode, proc.stderr
    run_id = proc.stdout.split()[0]
    client = sy.Client(f"sqlite:///{tmp_path / 'shipyard.db'}")
    run = client.get_run(run_id)
    assert run.status == status
    assert len(client.get_metric_history(run_id, "loss")) == 50  # flushed before exit


def test_system_metrics_are_sampled_into_the_run(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 's.db'}"
    with sy.start_run(project="sys", tracking_uri=uri, system_metrics=0.05) as run:
        import time

        time.sleep(0.4)
    metrics = sy.Client(uri).get_run(run.id).metrics
    assert {"system/cpu_percent", "system/memory_percent", "system/process_rss_mb"} <= set(metrics)
    history = sy.Client(uri).get_metric_history(run.id, "system/process_rss_mb")
    assert len(history) >= 2 and (history.values > 0).all()


@pytest.mark.parametrize("with_block", [True, False])
def test_sigterm_marks_open_runs_killed(tmp_path: Path, with_block: bool) -> None:
    body = (
        "with sy.start_run(project='term') as run:\n"
        "    run.log({'x': 1.0})\n"
        "    print(run.id, flush=True)\n"
        "    time.sleep(60)\n"
        if with_block
        else "run = sy.start_run(project='term')\n"
        "run.log({'x': 1.0})\n"
        "print(run.id, flush=True)\n"
        "time.sleep(60)\n"
    )
    env = {**os.environ, "SHIPYARD_HOME": str(tmp_path)}
    env.pop("SHIPYARD_TRACKING_URI", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", "import time\nimport shipyard as sy\n" + body],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    run_id = proc.stdout.readline().strip()
    proc.terminate()
    assert proc.wait(60) == 128 + 15
    client = sy.Client(f"sqlite:///{tmp_path / 'shipyard.db'}")
    assert client.get_run(run_id).status == "KILLED"
    assert len(client.get_metric_history(run_id, "x")) == 1
