"""What the runs table needs beyond search: the keys a project uses, run counts, and
runs grouped by params with mean/std/min/max of metrics per group."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, select

from shipyard.core.errors import InvalidInputError
from shipyard.store.db import read_connection
from shipyard.store.schema import latest_metrics, params, projects, runs, tags
from shipyard.tracking.entities import RunRecord

MAX_GROUP_BY = 5
MAX_KEYS = 2_000


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


def group_runs(
    records: Sequence[RunRecord], by: Sequence[str], metrics: Sequence[str]
) -> list[RunGroup]:
    """Group runs by the values of ``by`` (``params.x`` or ``tags.x`` columns) and
    aggregate each of ``metrics`` per group; groups are ordered by their values."""
    if not 1 <= len(by) <= MAX_GROUP_BY:
        raise InvalidInputError(f"Group by 1 to {MAX_GROUP_BY} params or tags")
    for column in by:
        if not column.startswith(("params.", "tags.")):
            raise InvalidInputError(f"Group by params or tags, not {column!r}")
    buckets: dict[tuple[str | None, ...], list[RunRecord]] = {}
    for run in records:
        key = tuple(column_value(run, c) for c in by)
        buckets.setdefault(key, []).append(run)
    groups = []
    for key in sorted(buckets, key=lambda k: tuple((v is None, v or "") for v in k)):
        members = buckets[key]
        stats = {
            m: _stats([r.metrics.get(m.removeprefix("metrics.")) for r in members]) for m in metrics
        }
        groups.append(RunGroup(key, [r.id for r in members], stats))
    return groups
