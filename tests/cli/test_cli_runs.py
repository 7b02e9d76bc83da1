"""``shipyard runs …``: list, show, compare, history and delete against real SDK data."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

import shipyard as sy

Invoke = Callable[..., Result]


@pytest.fixture
def runs() -> dict[str, str]:
    """Three finished runs in project p: name → id."""
    ids: dict[str, str] = {}
    for name, lr, final in (("fast", 0.1, 0.5), ("slow", 0.01, 0.2), ("mid", 0.05, 0.3)):
        with sy.start_run(project="p", name=name, config={"lr": lr, "optimizer": "adam"}) as run:
            for step in range(5):
                run.log({"loss": final + (4 - step) * 0.1, "acc": 1 - final}, step=step)
            ids[name] = run.id
    return ids


def _names_in_order(output: str, names: list[str]) -> list[str]:
    found = [(output.find(f" {n} "), n) for n in names if f" {n} " in output]
    return [n for _, n in sorted(found)]


def test_list_shows_runs_with_default_columns(invoke: Invoke, runs: dict[str, str]) -> None:
    result = invoke("runs", "list", "--project", "p")
    assert result.exit_code == 0, result.output
    for name, run_id in runs.items():
        assert name in result.stdout
        assert run_id[:8] in result.stdout
    for header in ("status", "start", "duration", "loss", "acc", "lr", "optimizer"):
        assert header in result.stdout
    assert "FINISHED" in result.stdout
    assert "3 run(s)" in result.stdout


def test_list_filter_and_order(invoke: Invoke, runs: dict[str, str]) -> None:
    result = invoke(
        "runs", "list", "-p", "p", "--filter", "metrics.loss < 0.4", "--order-by", "metrics.loss"
    )
    assert result.exit_code == 0, result.output
    assert _names_in_order(result.stdout, ["fast", "slow", "mid"]) == ["slow", "mid"]

    result = invoke("runs", "list", "-p", "p", "--order-by", "params.lr DESC")
    assert _names_in_order(result.stdout, ["fast", "slow", "mid"]) == ["fast", "mid", "slow"]

    result = invoke("runs", "list", "-p", "p", "--filter", "params.lr = '0.01'", "--json")
    assert [r["name"] for r in json.loads(result.stdout)] == ["slow"]


def test_list_limit_columns_and_json(invoke: Invoke, runs: dict[str, str]) -> None:
    result = invoke("runs", "list", "-p", "p", "--order-by", "metrics.loss", "--limit", "1")
    assert _names_in_order(result.stdout, ["fast", "slow", "mid"]) == ["slow"]

    result = invoke("runs", "list", "-p", "p", "--columns", "params.lr")
    assert "lr" in result.stdout and "loss" not in result.stdout

    result = invoke("runs", "list", "-p", "p", "--json")
    data = json.loads(result.stdout)
    assert {r["id"] for r in data} == set(runs.values())
    first = data[0]
    assert first["params"]["optimizer"] == "adam"
    assert {m["key"] for m in first["metrics"]} == {"loss", "acc"}
    assert "system" in first and "config" in first

    bad = invoke("runs", "list", "-p", "p", "--columns", "lr")
    assert bad.exit_code == 1
    assert "Error [INVALID_INPUT]" in bad.stderr


def test_malformed_filter_reports_code_and_caret(invoke: Invoke, runs: dict[str, str]) -> None:
    result = invoke("runs", "list", "-p", "p", "--filter", "metrics.loss <")
    assert result.exit_code == 1
    assert "Error [INVALID_FILTER]:" in result.stderr
    lines = result.stderr.splitlines()
    caret = next(line for line in lines if line.strip() == "^")
    source = lines[lines.index(caret) - 1]
    assert source.strip() == "metrics.loss <"
    assert caret.index("^") == len(source.rstrip())  # just past the end of the filter
    assert result.stdout == ""


def test_unknown_project_and_run_exit_1(invoke: Invoke) -> None:
    result = invoke("runs", "show", "0" * 32)
    assert result.exit_code == 1
    assert "Error [RUN_NOT_FOUND]" in result.stderr


def test_show_has_overview_and_reproducibility_record(invoke: Invoke, git_repo: Path) -> None:
    with sy.start_run(project="p", name="r", config={"lr": 0.1, "net": {"depth": 3}}) as run:
        run.log({"loss": 1.0}, step=0)
        run.log({"loss": 0.5}, step=7)
        run.set_tags({"team": "forecast"})
        run.summary["best_loss"] = 0.5
    head = (git_repo / ".git" / "refs" / "heads" / "main").read_text().strip()

    result = invoke("runs", "show", run.id)
    out = result.stdout
    assert result.exit_code == 0, result.output
    for text in ("project", "FINISHED", "duration", "lr", "net.depth", "team", "forecast"):
        assert text in out
    assert "best_loss" in out
    loss_line = next(line for line in out.splitlines() if "loss" in line and "0.5" in line)
    assert " 7 " in loss_line  # the latest value's step
    assert "Git" in out and head in out and "main" in out
    assert "https://example.com/team/repo.git" in out and "secret" not in out
    assert "dirty" in out and "see --diff" in out
    assert "Hardware" in out and "CPU" in out and "RAM" in out and "GPUs" in out
    assert "python" in out and "hostname" in out and "run time" in out
    assert "installed; see --packages" in out
    assert "print('v2')" not in out

    detailed = invoke("runs", "show", run.id, "--diff", "--packages")
    assert "+print('v2')" in detailed.stdout
    assert "typer" in detailed.stdout and "rich" in detailed.stdout

    as_json = json.loads(invoke("runs", "show", run.id, "--json").stdout)
    assert as_json["id"] == run.id
    assert as_json["system"]["git"]["commit"] == head
    assert as_json["summary"] == {"best_loss": 0.5}


def test_show_json_encodes_nan(invoke: Invoke) -> None:
    with sy.start_run(project="p") as run:
        run.log({"weird": math.nan}, step=0)
    data = json.loads(invoke("runs", "show", run.id, "--json").stdout)
    assert data["metrics"][0]["value"] == "NaN"


def test_compare_side_by_side_and_only_diff(invoke: Invoke, runs: dict[str, str]) -> None:
    result = invoke("runs", "compare", runs["fast"], runs["slow"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "optimizer" in out and "adam" in out
    assert "0.1" in out and "0.01" in out
    assert "loss" in out and "acc" in out

    diff = invoke("runs", "compare", runs["fast"], runs["slow"], "--only-diff")
    assert "optimizer" not in diff.stdout
    assert "lr" in diff.stdout and "loss" in diff.stdout

    data = json.loads(
        invoke("runs", "compare", runs["fast"], runs["slow"], "--only-diff", "--json").stdout
    )
    assert [r["id"] for r in data["runs"]] == [runs["fast"], runs["slow"]]
    assert data["params"] == {"lr": ["0.1", "0.01"]}
    assert set(data["metrics"]) == {"loss", "acc"}

    one = invoke("runs", "compare", runs["fast"])
    assert one.exit_code == 2


def _history_run() -> str:
    with sy.start_run(project="p") as run:
        for step in range(40):
            run.log({"loss": 1.0 / (step + 1)}, step=step * 2)
        run.log({"odd": math.nan}, step=0)
        run.log({"odd": 2.5}, step=1)
    return run.id


def test_history_csv_exact(invoke: Invoke) -> None:
    run_id = _history_run()
    history = sy.Client().get_metric_history(run_id, "loss")
    result = invoke("runs", "history", run_id, "loss", "--format", "csv")
    assert result.exit_code == 0, result.output
    expected = ["step,timestamp,value"] + [
        f"{s},{t},{v!r}"
        for s, t, v in zip(
            history.steps.tolist(),
            history.timestamps.tolist(),
            history.values.tolist(),
            strict=True,
        )
    ]
    assert result.stdout.splitlines() == expected
    assert expected[1].startswith("0,") and expected[1].endswith(",1.0")
    assert expected[2].startswith("2,") and expected[2].endswith(",0.5")

    odd = invoke("runs", "history", run_id, "odd", "--format", "csv").stdout.splitlines()
    assert [line.split(",")[::2] for line in odd] == [["step", "value"], ["0", "NaN"], ["1", "2.5"]]


def test_history_json_and_output_file(invoke: Invoke, tmp_path: Path) -> None:
    run_id = _history_run()
    data = json.loads(invoke("runs", "history", run_id, "odd", "--format", "json").stdout)
    assert data["run_id"] == run_id and data["key"] == "odd"
    assert [(p["step"], p["value"]) for p in data["points"]] == [(0, "NaN"), (1, 2.5)]

    target = tmp_path / "loss.json"
    result = invoke("runs", "history", run_id, "loss", "--output", str(target))
    assert result.exit_code == 0 and "40 points" in result.stdout
    assert len(json.loads(target.read_text())["points"]) == 40

    target_csv = tmp_path / "loss.csv"
    invoke("runs", "history", run_id, "loss", "--output", str(target_csv))
    assert len(target_csv.read_text().splitlines()) == 41


def test_history_table_has_head_tail_and_sparkline(invoke: Invoke) -> None:
    run_id = _history_run()
    result = invoke("runs", "history", run_id, "loss")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "20 more" in out  # 40 points: 10 head + 10 tail shown
    spark = next(line for line in out.splitlines() if set(line) <= set("▁▂▃▄▅▆▇█ "))
    assert spark[0] == "█" and spark.rstrip()[-1] == "▁"  # loss falls from 1.0 to 0.025
    assert len(spark) >= 40
    assert "40 points" in out and "min 0.025" in out and "max 1" in out

    missing = invoke("runs", "history", run_id, "nope")
    assert missing.exit_code == 1 and "Error [METRIC_NOT_FOUND]" in missing.stderr


def test_delete_with_yes_and_with_confirmation(invoke: Invoke, runs: dict[str, str]) -> None:
    result = invoke("runs", "delete", runs["fast"], "--yes")
    assert result.exit_code == 0, result.output
    assert f"Deleted run {runs['fast']}" in result.stdout

    declined = invoke("runs", "delete", runs["slow"], input="n\n")
    assert declined.exit_code == 1
    accepted = invoke("runs", "delete", runs["mid"], input="y\n")
    assert accepted.exit_code == 0 and f"Deleted run {runs['mid']}" in accepted.stdout

    left = json.loads(invoke("runs", "list", "-p", "p", "--json").stdout)
    assert [r["name"] for r in left] == ["slow"]
    again = invoke("runs", "delete", runs["fast"], "--yes")
    assert again.exit_code == 1 and "Error [RUN_NOT_FOUND]" in again.stderr
