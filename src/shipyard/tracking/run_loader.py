"""Load full run records (params, tags, latest metrics) for a list of run ids in bulk."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from shipyard.store.schema import latest_metrics, params, projects, runs, tags
from shipyard.tracking.entities import LatestMetric, RunRecord, RunStatus

_CHUNK = 500


def load_runs(conn: Connection, run_ids: Sequence[str]) -> list[RunRecord]:
    """Run records in the order of ``run_ids``; unknown ids are left out."""
    if not run_ids:
        return []
    base: dict[str, dict[str, Any]] = {}
    p: dict[str, dict[str, str]] = {rid: {} for rid in run_ids}
    t: dict[str, dict[str, str]] = {rid: {} for rid in run_ids}
    m: dict[str, dict[str, LatestMetric]] = {rid: {} for rid in run_ids}
    for start in range(0, len(run_ids), _CHUNK):
        chunk = list(run_ids[start : start + _CHUNK])
        query = (
            select(runs, projects.c.name.label("project_name"))
            .join(projects, projects.c.id == runs.c.project_id)
            .where(runs.c.id.in_(chunk))
        )
        for row in conn.execute(query).mappings().all():
            base[row["id"]] = dict(row)
        # .all() fetches in one go: far cheaper than iterating row by row
        for rid, key, value in conn.execute(
            select(params.c.run_id, params.c.key, params.c.value).where(params.c.run_id.in_(chunk))
        ).all():
            p[rid][key] = value
        for rid, key, value in conn.execute(
            select(tags.c.run_id, tags.c.key, tags.c.value).where(tags.c.run_id.in_(chunk))
        ).all():
            t[rid][key] = value
        lm = latest_metrics.c
        query_m = select(lm.run_id, lm.key, lm.value, lm.is_nan, lm.step, lm.timestamp).where(
            lm.run_id.in_(chunk)
        )
        for rid, key, value, is_nan, step, ts in conn.execute(query_m).all():
            m[rid][key] = LatestMetric(key, math.nan if is_nan else value, step, ts)
    return [_record(base[rid], p[rid], t[rid], m[rid]) for rid in run_ids if rid in base]


def _record(
    row: dict[str, Any],
    run_params: dict[str, str],
    run_tags: dict[str, str],
    metrics: dict[str, LatestMetric],
) -> RunRecord:
    return RunRecord(
        id=row["id"],
        name=row["name"],
        project=row["project_name"],
        status=RunStatus(row["status"]),
        user=row["user"],
        parent_id=row["parent_id"],
        start_time=row["start_time"],
        end_time=row["end_time"],
        params=run_params,
        config=json.loads(row["config"]),
        tags=run_tags,
        latest_metrics=dict(sorted(metrics.items())),
        summary_overrides=json.loads(row["summary"]),
        system=json.loads(row["system"]),
    )
