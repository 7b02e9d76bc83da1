"""What the runs table needs beyond search: the keys a project uses, run counts, and
runs grouped by params with mean/std/min/max of metrics per group."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, select

from shipyard.core.errors import InvalidInputError
from shipyard.store.db import read_connection
from shipyard.store.schema import latest_metrics, params, projects, runs, tags
from shipyard.tracking.entities import RunRecord
from shipyard.tracking.search import build_search_query, parse_filter

MAX_GROUP_BY = 5
MAX_KEYS = 2_000
_CHUNK = 5_000


@dataclass(frozen=True)
class ProjectKeys:
    """Param, metric and tag keys used by a project's runs (sorted)."""

    params: list[str]
    metrics: list[str]
    tags: list[str]

    def columns(self) -> list[str]:
        """Every column the runs table can show, as search-language names."""
        return (
            [f"params.{k}" for k in self.params]
            + [f"metrics.{k}" for k in self.metrics]
            + [f"tags.{k}" for k in self.tags]
        )


def project_keys(engine: Engine, project_id: int) -> ProjectKeys:
    """The distinct keys of one project (at most 2,000 of each kind)."""
    in_project = select(runs.c.id).where(runs.c.project_id == project_id)
    found: list[list[str]] = []
    with read_connection(engine) as conn:
        for table in (params, latest_metrics, tags):
            query = (
                select(table.c.key)
                .where(table.c.run_id.in_(in_project))
                .distinct()
                .order_by(table.c.key)
                .limit(MAX_KEYS)
            )
            found.append([str(k) for k in conn.execute(query).scalars()])
    return ProjectKeys(*found)


_keys_cache: dict[tuple[int, int], tuple[float, ProjectKeys]] = {}
_keys_lock = threading.Lock()


def cached_project_keys(engine: Engine, project_id: int, ttl_s: float = 10.0) -> ProjectKeys:
    """:func:`project_keys`, reused for ``ttl_s`` seconds: listing every key means reading
    every param row of the project (~0.1 s at 10,000 runs x 20 params), too slow to repeat
    on every page of the runs table. A key logged for the first time shows up in the
    column picker within ``ttl_s``."""
    cache_key = (id(engine), project_id)
    now = time.monotonic()
    with _keys_lock:
        hit = _keys_cache.get(cache_key)
    if hit is not None and now - hit[0] < ttl_s:
        return hit[1]
    keys = project_keys(engine, project_id)
    with _keys_lock:
        _keys_cache[cache_key] = (now, keys)
    return keys


def run_counts(engine: Engine) -> dict[str, int]:
    """Number of runs per project name."""
    query = (
        select(projects.c.name, func.count(runs.c.id))
        .select_from(projects.outerjoin(runs, runs.c.project_id == projects.c.id))
        .group_by(projects.c.name)
    )
    with read_connection(engine) as conn:
        return {str(name): int(n) for name, n in conn.execute(query)}


def column_value(run: RunRecord, column: str) -> Any:
    """The value of ``params.x`` / ``metrics.x`` / ``tags.x`` / an attribute for a run."""
    kind, _, key = column.partition(".")
    if kind == "params":
        return run.params.get(key)
    if kind == "metrics":
        return run.metrics.get(key)
    if kind == "tags":
        return run.tags.get(key)
    return getattr(run, column, None) if column in ("name", "status", "user") else None


@dataclass(frozen=True)
class Stats:
    """Aggregate of one metric over a group (NaN-free values only)."""

    count: int
    mean: float | None
    std: float | None
    min: float | None
    max: float | None


@dataclass(frozen=True)
class RunGroup:
    """Runs sharing the same values of the group-by params."""

    values: tuple[str | None, ...]
    run_ids: list[str]
    stats: dict[str, Stats] = field(default_factory=dict)


def _stats(values: list[float | None]) -> Stats:
    finite = np.asarray([v for v in values if v is not None and math.isfinite(v)])
    if finite.size == 0:
        return Stats(0, None, None, None, None)
    return Stats(
        int(finite.size),
        float(finite.mean()),
        float(finite.std(ddof=1)) if finite.size > 1 else 0.0,
        float(finite.min()),
        float(finite.max()),
    )


def _check_group_by(by: Sequence[str]) -> None:
    if not 1 <= len(by) <= MAX_GROUP_BY:
        raise InvalidInputError(f"Group by 1 to {MAX_GROUP_BY} params or tags")
    for column in by:
        if not column.startswith(("params.", "tags.")):
            raise InvalidInputError(f"Group by params or tags, not {column!r}")


def _groups(
    rows: Sequence[tuple[str, tuple[str | None, ...], dict[str, float]]], metrics: Sequence[str]
) -> list[RunGroup]:
    buckets: dict[tuple[str | None, ...], list[tuple[str, dict[str, float]]]] = {}
    for run_id, key, values in rows:
        buckets.setdefault(key, []).append((run_id, values))
    groups = []
    for key in sorted(buckets, key=lambda k: tuple((v is None, v or "") for v in k)):
        members = buckets[key]
        stats = {
            m: _stats([vals.get(m.removeprefix("metrics.")) for _, vals in members])
            for m in metrics
        }
        groups.append(RunGroup(key, [r for r, _ in members], stats))
    return groups


def group_runs(
    records: Sequence[RunRecord], by: Sequence[str], metrics: Sequence[str]
) -> list[RunGroup]:
    """Group runs by the values of ``by`` (``params.x`` or ``tags.x`` columns) and
    aggregate each of ``metrics`` per group; groups are ordered by their values."""
    _check_group_by(by)
    rows = [(r.id, tuple(column_value(r, c) for c in by), r.metrics) for r in records]
    return _groups(rows, metrics)


@dataclass(frozen=True)
class GroupedRuns:
    """Groups of a project's runs matching a filter; ``truncated`` when capped."""

    groups: list[RunGroup]
    runs: int
    truncated: bool


def group_project_runs(
    engine: Engine,
    project_id: int,
    filter: str | None,
    *,
    by: Sequence[str],
    metrics: Sequence[str],
    max_runs: int = 50_000,
) -> GroupedRuns:
    """Like :func:`group_runs` over every matching run, reading only the grouped params
    or tags and the aggregated metrics (no full run records), in chunks."""
    _check_group_by(by)
    tree = parse_filter(filter or "")
    with read_connection(engine) as conn:
        ids = [
            r[0] for r in conn.execute(build_search_query([project_id], tree, [], max_runs + 1, 0))
        ]
        truncated = len(ids) > max_runs
        ids = ids[:max_runs]
        group_values: dict[str, dict[str, str]] = {}
        metric_values: dict[str, dict[str, float]] = {}
        param_keys = [c.removeprefix("params.") for c in by if c.startswith("params.")]
        tag_keys = [c.removeprefix("tags.") for c in by if c.startswith("tags.")]
        metric_keys = [m.removeprefix("metrics.") for m in metrics]
        for lo in range(0, len(ids), _CHUNK):
            chunk = ids[lo : lo + _CHUNK]
            for prefix, table, keys in (("params.", params, param_keys), ("tags.", tags, tag_keys)):
                if keys:
                    query = select(table.c.run_id, table.c.key, table.c.value).where(
                        table.c.run_id.in_(chunk), table.c.key.in_(keys)
                    )
                    for rid, key, value in conn.execute(query):
                        group_values.setdefault(rid, {})[prefix + key] = value
            if metric_keys:
                lm = latest_metrics.c
                query = select(lm.run_id, lm.key, lm.value, lm.is_nan).where(
                    lm.run_id.in_(chunk), lm.key.in_(metric_keys)
                )
                for row in conn.execute(query):
                    value = math.nan if row[3] else float(row[2])
                    metric_values.setdefault(row[0], {})[row[1]] = value
    rows = [
        (rid, tuple(group_values.get(rid, {}).get(c) for c in by), metric_values.get(rid, {}))
        for rid in ids
    ]
    return GroupedRuns(_groups(rows, metrics), len(ids), truncated)
