"""``shipyard sync``: upload runs logged offline to the configured tracking target.

Each stored block of points is sent as one batch whose id names the block; the target
records batch ids, so a sync that is interrupted and run again never duplicates a point.
A run whose upload completed while it was already finished is tagged in the offline
store and skipped next time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from shipyard.client.backend import Backend
from shipyard.client.local import LocalBackend
from shipyard.core.errors import RunAlreadyExistsError
from shipyard.core.timeutil import now_ms
from shipyard.tracking.entities import TERMINAL_STATUSES, RunRecord

SYNCED_TAG = "shipyard.synced_at"

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SyncReport:
    run_id: str
    name: str
    project: str
    points: int
    skipped: bool


def pending_runs(source: LocalBackend) -> list[RunRecord]:
    """Offline runs not yet fully uploaded (unfinished runs are always re-sent)."""
    out: list[RunRecord] = []
    for project in source.list_projects():
        token: str | None = None
        while True:
            page = source.search_runs(
                [project.name], None, ["attributes.start_time ASC"], 1000, token
            )
            out.extend(
                r
                for r in page.runs
                if SYNCED_TAG not in r.tags or r.status not in TERMINAL_STATUSES
            )
            token = page.next_page_token
            if token is None:
                break
    return out


def sync_run(
    source: LocalBackend, target: Backend, record: RunRecord, progress: Progress | None = None
) -> SyncReport:
    """Upload one offline run: create it with the same id, then params, tags, points, state."""
    tags = {k: v for k, v in record.tags.items() if k != SYNCED_TAG}
    with contextlib.suppress(RunAlreadyExistsError):  # an earlier sync created it
        target.create_run(
            record.project,
            name=record.name,
            config=record.config,
            tags=tags,
            parent_id=None,
            run_id=record.id,
            user=record.user,
            system=record.system,
            start_time=record.start_time,
        )
    target.log_batch(record.id, (), record.params, tags)
    total = 0
    for block_id, columns in source.service.iter_metric_blocks(record.id):
        # one batch per stored block, named after it: a re-run sync re-sends the same
        # ids and the target skips what it already has
        if target.log_batch(record.id, columns, batch_id=f"sync-block-{block_id}"):
            total += columns.n_points()
        if progress is not None:
            progress(record.id, columns.n_points(), total)
    target.update_run(
        record.id,
        status=record.status.value,
        end_time=record.end_time,
        summary=record.summary_overrides or None,
        system=record.system or None,
    )
    if record.status in TERMINAL_STATUSES:
        source.log_batch(record.id, (), None, {SYNCED_TAG: str(now_ms())})
    return SyncReport(record.id, record.name, record.project, total, skipped=False)
