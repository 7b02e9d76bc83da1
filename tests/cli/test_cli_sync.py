"""``shipyard sync``: offline runs are uploaded once, with every point."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import Result

import shipyard as sy

Invoke = Callable[..., Result]


def test_sync_uploads_offline_runs_once(invoke: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "team-store"
    nothing = invoke("sync", "--tracking-uri", str(target))
    assert nothing.exit_code == 0 and "Nothing to sync" in nothing.stdout

    with sy.start_run(project="p", name="offline-run", config={"lr": 0.1}, offline=True) as run:
        for step in range(2500):
            run.log({"loss": 1.0 / (step + 1), "acc": step / 2500}, step=step)
        run.set_tags({"where": "laptop"})

    result = invoke("sync", "--tracking-uri", str(target))
    assert result.exit_code == 0, result.output
    assert "Sync summary" in result.stdout
    assert "offline-run" in result.stdout and "5000" in result.stdout
    assert "Synced 1 run(s)" in result.stdout

    client = sy.Client(str(target))
    synced = client.get_run(run.id)
    assert synced.name == "offline-run" and synced.status == "FINISHED"
    assert synced.params["lr"] == "0.1" and synced.tags["where"] == "laptop"
    assert len(client.get_metric_history(run.id, "loss")) == 2500
    assert len(client.get_metric_history(run.id, "acc")) == 2500

    again = invoke("sync", "--tracking-uri", str(target))
    assert again.exit_code == 0 and "Nothing to sync" in again.stdout
    assert len(client.get_metric_history(run.id, "loss")) == 2500

    listed = json.loads(
        invoke("runs", "list", "-p", "p", "--tracking-uri", str(target), "--json").stdout
    )
    assert [r["id"] for r in listed] == [run.id]
    # The default (embedded) store did not receive anything.
    assert invoke("runs", "list", "-p", "p").exit_code == 1
