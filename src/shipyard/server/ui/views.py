"""Data for each page, gathered from the services and shaped for the templates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shipyard.core.errors import InvalidFilterError, InvalidInputError
from shipyard.tracking.entities import RunRecord
from shipyard.tracking.run_table import (
    cached_project_keys,
    column_value,
    group_project_runs,
    run_counts,
)
from shipyard.tracking.service import TrackingService, encode_page_token

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_COLUMNS = 8
MAX_GROUPED_RUNS = 50_000
MAX_COMPARE = 100


@dataclass
class RunsQuery:
    """The runs table's state, all of it in the URL."""

    filter: str = ""
    order: str = ""
    page: int = 0
    size: int = 50
    cols: list[str] = field(default_factory=list)
    group: list[str] = field(default_factory=list)

    @classmethod
    def from_params(cls, params: Any) -> RunsQuery:
        size = _int(params.get("size"), 50)
        return cls(
            filter=params.get("filter", "")[:65_536],
            order=params.get("order", "")[:1024],
            page=max(0, _int(params.get("page"), 0)),
            size=size if size in PAGE_SIZES else 50,
            cols=[c for c in params.getlist("col") if c][:200],
            group=[g for g in params.getlist("group") if g][:5],
        )


def _int(raw: str | None, default: int) -> int:
    try:
        return int(raw) if raw is not None else default
    except ValueError:
        return default


def projects_context(tracking: TrackingService) -> dict[str, Any]:
    counts = run_counts(tracking.engine)
    projects = tracking.list_projects()
    return {"projects": [(p, counts.get(p.name, 0)) for p in projects]}


def runs_context(tracking: TrackingService, project: str, q: RunsQuery) -> dict[str, Any]:
    """One page of runs (or the groups), the columns shown and every column available."""
    proj = tracking.get_project(project)
    keys = cached_project_keys(tracking.engine, proj.id)
    available = keys.columns()
    cols = [c for c in q.cols if c in available] or _default_columns(keys)
    ctx: dict[str, Any] = {
        "project": proj, "q": q, "cols": cols, "available": available, "error": None,
        "runs": [], "groups": [], "has_next": False, "group_metrics": [],
    }  # fmt: skip
    order = [q.order] if q.order else []
    try:
        if q.group:
            ctx.update(_grouped(tracking, proj.id, q, cols))
        else:
            token = encode_page_token(q.page * q.size) if q.page else None
            page = tracking.search_runs([project], q.filter or None, order, q.size, token)
            ctx["runs"] = page.runs
            ctx["has_next"] = page.next_page_token is not None
    except (InvalidFilterError, InvalidInputError) as exc:
        ctx["error"] = exc.message
    return ctx


def _default_columns(keys: Any) -> list[str]:
    params = [f"params.{k}" for k in keys.params[: DEFAULT_COLUMNS // 2]]
    metrics = [f"metrics.{k}" for k in keys.metrics if not k.startswith("system/")]
    return params + metrics[: DEFAULT_COLUMNS - len(params)]


def _grouped(
    tracking: TrackingService, project_id: int, q: RunsQuery, cols: list[str]
) -> dict[str, Any]:
    metrics = [c for c in cols if c.startswith("metrics.")]
    found = group_project_runs(
        tracking.engine, project_id, q.filter or None, by=q.group, metrics=metrics,
        max_runs=MAX_GROUPED_RUNS,
    )  # fmt: skip
    return {
        "groups": found.groups,
        "group_metrics": metrics,
        "grouped_runs": found.runs,
        "truncated": found.truncated,
    }


def cell(run: RunRecord, column: str) -> Any:
    return column_value(run, column)


def compare_context(tracking: TrackingService, run_ids: list[str], group: str) -> dict[str, Any]:
    """The runs to compare and the JSON the page's scripts chart."""
    ids = list(dict.fromkeys(run_ids))[:MAX_COMPARE]
    runs = [tracking.get_run(r) for r in ids]
    params = sorted({k for r in runs for k in r.params})
    metrics = sorted({k for r in runs for k in r.metrics})
    diff = [(k, [r.params.get(k) for r in runs]) for k in params]
    data = {
        "runs": [
            {
                "id": r.id, "name": r.name, "params": r.params,
                "metrics": {k: m for k, m in r.metrics.items()},
                "group": column_value(r, group) if group else None, "start": r.start_time,
            }
            for r in runs
        ],
        "params": params, "metrics": metrics, "group": group,
    }  # fmt: skip
    return {"runs": runs, "diff": diff, "data": data, "group": group, "params": params}


def lineage_layout(graph: Any) -> dict[str, Any]:
    """Columns for a lineage graph: inputs left of what used them, outputs right."""
    layer = {graph.root: 0}
    for _ in range(len(graph.nodes) + 1):
        changed = False
        for e in graph.edges:
            if e.source in layer and e.target not in layer:
                layer[e.target] = layer[e.source] + 1
                changed = True
            elif e.target in layer and e.source not in layer:
                layer[e.source] = layer[e.target] - 1
                changed = True
        if not changed:
            break
    nodes = [n for n in graph.nodes if n.id in layer]
    lo = min(layer.values())
    rows: dict[int, int] = {}
    placed = {}
    for n in nodes:
        col = layer[n.id] - lo
        row = rows.get(col, 0)
        rows[col] = row + 1
        placed[n.id] = {"node": n, "x": 20 + col * 230, "y": 20 + row * 60}
    edges = [
        (placed[e.source], placed[e.target], e.kind)
        for e in graph.edges
        if e.source in placed and e.target in placed
    ]
    width = 20 + (max(rows) + 1) * 230 if rows else 240
    height = 40 + max(rows.values(), default=1) * 60
    return {"nodes": list(placed.values()), "edges": edges, "width": width, "height": height}
