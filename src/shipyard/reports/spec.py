"""A report's spec: its run sets and its ordered blocks, as plain JSON.

Every block is a dict with a ``type``; run-set panels name the run set they draw
(``runset``). :func:`check_spec` validates a whole spec and returns a normalised copy,
so what is stored is always something the resolver and the renderer understand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shipyard.core.errors import InvalidInputError

__all__ = ["BLOCK_TYPES", "RUNSET_PANELS", "check_block", "check_runset", "check_spec"]

MAX_BLOCKS = 200
MAX_RUNSETS = 20
MAX_RUNS = 1_000
MAX_TEXT = 200_000
MAX_COLUMNS = 50
RUNSET_PANELS = frozenset({"line", "scatter", "bar", "parallel", "table", "media"})
BLOCK_TYPES = frozenset(
    {"heading", "markdown", "model", "features", "lineage", "pipeline", *RUNSET_PANELS}
)


def _text(block: Mapping[str, Any], name: str, *, required: bool = True, limit: int = 500) -> str:
    value = block.get(name, "")
    if not isinstance(value, str):
        raise InvalidInputError(f"Report block field {name!r} must be a string")
    if required and not value.strip():
        raise InvalidInputError(f"Report block of type {block.get('type')!r} needs {name!r}")
    if len(value) > limit:
        raise InvalidInputError(f"Report block field {name!r} is longer than {limit} characters")
    return value


def _columns(block: Mapping[str, Any], name: str) -> list[str]:
    value = block.get(name)
    if not isinstance(value, list) or not value or not all(isinstance(c, str) for c in value):
        raise InvalidInputError(f"Report block field {name!r} must be a non-empty list of names")
    if len(value) > MAX_COLUMNS:
        raise InvalidInputError(f"Report block field {name!r} has more than {MAX_COLUMNS} names")
    return [str(c) for c in value]


def _number(block: Mapping[str, Any], name: str, default: float, lo: float, hi: float) -> float:
    value = block.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise InvalidInputError(f"Report block field {name!r} must be a number in [{lo}, {hi}]")
    return float(value)


def check_runset(runset: Mapping[str, Any]) -> dict[str, Any]:
    """A normalised run set: project, filter (search language), group_by, order_by, limit."""
    project = _text(runset, "project", limit=250)
    group_by = runset.get("group_by") or []
    order_by = runset.get("order_by") or []
    for name, value in (("group_by", group_by), ("order_by", order_by)):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidInputError(f"Run set field {name!r} must be a list of strings")
    for column in group_by:
        if not column.startswith(("params.", "tags.")):
            raise InvalidInputError(f"Run sets group by params or tags, not {column!r}")
    limit = int(_number(runset, "limit", 200, 1, MAX_RUNS))
    return {
        "project": project,
        "filter": _text(runset, "filter", required=False, limit=65_536),
        "group_by": list(group_by)[:5],
        "order_by": list(order_by)[:5],
        "limit": limit,
    }


def check_block(block: Mapping[str, Any], runsets: Mapping[str, Any]) -> dict[str, Any]:
    """A normalised block, or InvalidInputError naming what is wrong."""
    if not isinstance(block, Mapping):
        raise InvalidInputError("A report block must be an object")
    kind = block.get("type")
    if kind not in BLOCK_TYPES:
        raise InvalidInputError(
            f"Unknown report block type {kind!r}; use one of {', '.join(sorted(BLOCK_TYPES))}"
        )
    out: dict[str, Any] = {"type": kind, "title": _text(block, "title", required=False)}
    if kind in RUNSET_PANELS:
        runset = block.get("runset")
        if runset not in runsets:
            raise InvalidInputError(f"Report block {kind!r} names an unknown run set {runset!r}")
        out["runset"] = runset
    out.update(_fields(kind, block))
    return out


def _fields(kind: str, block: Mapping[str, Any]) -> dict[str, Any]:
    if kind == "heading":
        return {"text": _text(block, "text"), "level": int(_number(block, "level", 2, 1, 3))}
    if kind == "markdown":
        return {"text": _text(block, "text", required=False, limit=MAX_TEXT)}
    if kind == "line":
        x = block.get("x", "step")
        if x not in ("step", "time"):
            raise InvalidInputError("A line chart's x must be 'step' or 'time'")
        return {
            "key": _text(block, "key", limit=250),
            "x": x,
            "smoothing": _number(block, "smoothing", 0.0, 0.0, 0.999),
            "log_y": bool(block.get("log_y", False)),
        }
    if kind == "scatter":
        return {"x": _text(block, "x"), "y": _text(block, "y")}
    if kind == "bar":
        return {"column": _text(block, "column")}
    if kind in ("parallel", "table"):
        return {"columns": _columns(block, "columns")}
    if kind == "media":
        step = block.get("step", "last")
        if step != "last" and (isinstance(step, bool) or not isinstance(step, int)):
            raise InvalidInputError("A media panel's step must be 'last' or an integer")
        limit = int(_number(block, "max_runs", 12, 1, 100))
        return {"key": _text(block, "key", limit=250), "step": step, "max_runs": limit}
    if kind == "model":
        return {"uri": _text(block, "uri")}
    if kind == "pipeline":
        run_id = block.get("run_id")
        if run_id is not None and not isinstance(run_id, str):
            raise InvalidInputError("A pipeline block's run_id must be a string")
        return {"pipeline": _text(block, "pipeline", limit=250), "run_id": run_id or None}
    if kind == "features":
        version = block.get("version")
        if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
            raise InvalidInputError("A feature-statistics block's version must be an integer")
        return {"view": _text(block, "view", limit=250), "version": version}
    direction = block.get("direction", "both")
    if direction not in ("both", "upstream", "downstream"):
        raise InvalidInputError("A lineage block's direction is 'both', 'upstream' or 'downstream'")
    depth = int(_number(block, "depth", 3, 1, 10))
    return {"ref": _text(block, "ref"), "direction": direction, "depth": depth}


def check_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A normalised spec ``{"runsets": {id: runset}, "blocks": [block, ...]}``."""
    if not isinstance(spec, Mapping):
        raise InvalidInputError("A report spec must be an object")
    raw_sets = spec.get("runsets") or {}
    blocks = spec.get("blocks") or []
    if not isinstance(raw_sets, Mapping) or len(raw_sets) > MAX_RUNSETS:
        raise InvalidInputError(f"A report has at most {MAX_RUNSETS} run sets (an object by id)")
    if not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS:
        raise InvalidInputError(f"A report has at most {MAX_BLOCKS} blocks (a list)")
    runsets = {str(k): check_runset(v) for k, v in raw_sets.items()}
    return {"runsets": runsets, "blocks": [check_block(b, runsets) for b in blocks]}
