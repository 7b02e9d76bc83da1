"""``shipyard pipelines`` / ``schedules`` / ``scheduler`` on the embedded store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

FLOW = """
import os
from shipyard.pipelines import pipeline, step

@step(cache=True)
def numbers(n: int) -> list:
    print("making", n, "numbers")
    return list(range(n))

@step
def total(values: list, factor: float) -> float:
    if os.environ.get("FLOW_FAIL"):
        raise RuntimeError("total broke")
    return sum(values) * factor

@pipeline(project="cli", schedule="0 0 * * *")
def flow(n: int = 3, factor: float = 1.0):
    return total(numbers(n), factor)

@step
def window(interval_start: str, interval_end: str) -> str:
    return interval_start + "/" + interval_end

@pipeline(project="cli", schedule="0 0 * * *")
def daily(interval_start: str = "", interval_end: str = ""):
    return window(interval_start, interval_end)
"""


@pytest.fixture
def flow_file(tmp_path: Path) -> Path:
    path = tmp_path / "flow.py"
    path.write_text(FLOW)
    return path


def _run_id(text: str) -> str:
    return re.search(r"run ([0-9a-f]{32})", text).group(1)


def test_run_show_list_logs_and_cache(invoke, flow_file: Path) -> None:
    first = invoke("pipelines", "run", "flow.py:flow", "--param", "n=4", "-p", "factor=0.5")
    assert first.exit_code == 0, first.output
    assert "numbers" in first.stdout and "SUCCEEDED" in first.stdout
    run_id = _run_id(first.stdout)
    second = invoke("pipelines", "run", "flow.py:flow", "--param", "n=4", "-p", "factor=0.5")
    assert second.exit_code == 0 and "numbers cached" in second.stdout.replace("[", "")
    shown = invoke("pipelines", "show", run_id, "--json")
    record = json.loads(shown.stdout)
    assert record["params"] == {"n": 4, "factor": 0.5}
    assert [s["status"] for s in record["steps"]] == ["SUCCEEDED", "SUCCEEDED"]
    tree = invoke("pipelines", "show", run_id)
    assert "numbers" in tree.stdout and "total" in tree.stdout and "flow.total:v1" in tree.stdout
    listed = invoke("pipelines", "list", "--json")
    assert len(json.loads(listed.stdout)) == 2
    logs = invoke("pipelines", "logs", run_id, "--step", "numbers")
    assert "making 4 numbers" in logs.stdout


def test_failed_run_exits_1_then_resume(invoke, flow_file: Path, monkeypatch) -> None:
    monkeypatch.setenv("FLOW_FAIL", "1")
    failed = invoke("pipelines", "run", "flow.py:flow")
    assert failed.exit_code == 1
    assert "total broke" in failed.stdout and "shipyard pipelines resume" in failed.stdout
    run_id = _run_id(failed.stdout)
    monkeypatch.delenv("FLOW_FAIL")
    resumed = invoke("pipelines", "resume", run_id, "--json")
    assert resumed.exit_code == 0, resumed.output
    record = json.loads(resumed.stdout)
    assert record["resumed_from"] == run_id
    assert [s["status"] for s in record["steps"]] == ["REUSED", "SUCCEEDED"]


def test_bad_target_and_params_name_the_problem(invoke, flow_file: Path) -> None:
    missing = invoke("pipelines", "run", "flow.py:nope")
    assert missing.exit_code == 1 and "INVALID_PIPELINE" in missing.stderr
    bad = invoke("pipelines", "run", "flow.py:flow", "--param", "oops")
    assert bad.exit_code == 1 and "KEY=VALUE" in bad.stderr
    unknown = invoke("pipelines", "run", "flow.py:flow", "--param", "zz=1")
    assert unknown.exit_code == 1 and "no parameter" in unknown.stderr


def test_schedules_commands_and_scheduler_once(invoke, flow_file: Path) -> None:
    added = invoke("schedules", "add", "nightly", "--pipeline", "flow.py:flow", "--tz",
                   "Europe/Paris", "--param", "n=2", "--catchup", "all")  # fmt: skip
    assert added.exit_code == 0, added.output
    listed = json.loads(invoke("schedules", "list", "--json").stdout)
    assert [(s["name"], s["cron"], s["timezone"], s["params"]) for s in listed] == [
        ("nightly", "0 0 * * *", "Europe/Paris", {"n": 2})
    ]
    dup = invoke("schedules", "add", "nightly", "--pipeline", "flow")
    assert dup.exit_code == 1 and "SCHEDULE_ALREADY_EXISTS" in dup.stderr
    bad = invoke("schedules", "add", "x", "--pipeline", "flow", "--cron", "every day")
    assert bad.exit_code == 1 and "INVALID_SCHEDULE" in bad.stderr
    assert invoke("schedules", "pause", "nightly").exit_code == 0
    assert json.loads(invoke("schedules", "list", "--json").stdout)[0]["status"] == "PAUSED"
    assert invoke("schedules", "resume", "nightly").exit_code == 0
    once = invoke("scheduler", "--once", "--poll", "1")
    assert once.exit_code == 0 and "Scheduler watching" in once.stdout
    assert json.loads(invoke("schedules", "slots", "nightly", "--json").stdout) == []
    assert invoke("schedules", "delete", "nightly").exit_code == 0
    gone = invoke("schedules", "pause", "nightly")
    assert gone.exit_code == 1 and "SCHEDULE_NOT_FOUND" in gone.stderr


def test_backfill_command(invoke, flow_file: Path) -> None:
    assert invoke("pipelines", "run", "flow.py:daily").exit_code == 0  # registers it
    done = invoke("pipelines", "backfill", "daily", "--start", "2026-02-01", "--end", "2026-02-03")
    assert done.exit_code == 0, done.output
    assert done.stdout.count("ok") == 2
    assert "2026-02-01T00:00:00+00:00 → 2026-02-02T00:00:00+00:00" in done.stdout
    runs = json.loads(invoke("pipelines", "list", "--pipeline", "daily", "--json").stdout)
    assert sorted(r["trigger"] for r in runs) == ["backfill", "backfill", "manual"]
    bad = invoke("pipelines", "backfill", "flow", "--start", "2026-02-01", "--end", "2026-02-02")
    assert bad.exit_code == 1 and "PIPELINE_NOT_FOUND" in bad.stderr
