"""Local worker processes: a timed-out attempt kills its worker and a fresh one retries."""

from __future__ import annotations

from pathlib import Path

from pipelines import retry_fixtures as rf
from shipyard.client import backend_for


def test_a_killed_worker_is_replaced_and_workers_are_reused(
    sqlite_url: str, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    run = rf.recovering.run(marker=str(marker), max_workers=1, tracking_uri=sqlite_url)
    hang = run.record.step("hang_once")
    assert hang.status == "SUCCEEDED" and hang.attempts == 2
    attempts = backend_for(sqlite_url).search_runs(
        ["pipes"], filter="tags.`shipyard.step` = 'hang_once'"
    )
    assert sorted(r.status for r in attempts.runs) == ["FINISHED", "KILLED"]
    out = run.output()
    # the retry ran in a new process (the first was killed); the next step reused it
    assert out["upstream_pid"] == out["pid"] == int(marker.read_text())
