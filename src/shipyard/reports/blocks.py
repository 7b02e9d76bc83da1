"""Blocks that are not run-set charts: media panels, model cards, feature statistics
and lineage graphs, each resolved to data the renderer shows as it is."""

from __future__ import annotations

import base64
import itertools
from collections.abc import Mapping
from typing import Any

import orjson

from shipyard.artifacts import ArtifactService, LineageGraph
from shipyard.features.service import FeatureStoreService
from shipyard.media import MediaService, load_table
from shipyard.media.records import MediaRecord
from shipyard.pipelines import PipelineService
from shipyard.registry import RegistryService
from shipyard.reports.markdown import render_markdown
from shipyard.reports.runsets import RunSet, esc
from shipyard.store.blobs import BlobStore
from shipyard.tracking.service import TrackingService

__all__ = ["feature_stats", "lineage", "media", "model_card", "pipeline_run"]

MAX_INLINE_BYTES = 4 * 1024 * 1024
TABLE_ROWS = 20
EMBEDDED = frozenset({"image", "audio", "video"})


def _read(blobs: BlobStore, digest: str) -> bytes:
    with blobs.open(digest) as fh:
        return fh.read()


def _item(blobs: BlobStore, item: MediaRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": item.kind,
        "step": item.step,
        "caption": item.meta.get("caption"),
        "size": item.size,
    }
    if item.kind in EMBEDDED and item.size <= MAX_INLINE_BYTES:
        data = base64.b64encode(_read(blobs, item.digest)).decode()
        out["src"] = f"data:{item.mime};base64,{data}"
    elif item.kind in ("plotly", "histogram") and item.size <= MAX_INLINE_BYTES:
        payload = orjson.loads(_read(blobs, item.digest))
        if item.kind == "histogram":
            edges, counts = payload["edges"], payload["counts"]
            centers = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
            payload = {"data": [{"type": "bar", "x": centers, "y": counts}], "layout": {}}
        layout = payload.setdefault("layout", {})
        layout.update(height=320, margin={"l": 50, "r": 20, "t": 30, "b": 40})
        out["figure"] = payload
    elif item.kind == "text" and item.size <= MAX_INLINE_BYTES:
        payload = orjson.loads(_read(blobs, item.digest))
        if payload.get("markdown"):
            out["html"] = render_markdown(str(payload.get("text", "")))
        else:
            out["text"] = str(payload.get("text", ""))
    elif item.kind == "table":
        frame = load_table(blobs, item.digest).head(TABLE_ROWS)
        out["columns"] = [str(c) for c in frame.columns]
        out["rows"] = orjson.loads(frame.to_json(orient="values", date_format="iso"))
    else:
        out["text"] = f"{item.kind} item ({item.size} bytes) is shown in the run page only"
    return out


def media(
    media_service: MediaService, blobs: BlobStore, rs: RunSet, block: Mapping[str, Any]
) -> dict[str, Any]:
    """The media logged under a key by the run set's first runs, at one step or the last."""
    panels: list[dict[str, Any]] = []
    for run in rs.runs:
        if len(panels) >= int(block["max_runs"]):
            break
        step = block["step"]
        items = media_service.find(run.id, key=block["key"], step=None if step == "last" else step)
        if not items:
            continue
        if step == "last":
            last = max(i.step for i in items)
            items = [i for i in items if i.step == last]
        shown = [_item(blobs, i) for i in items[:4]]
        panels.append({"run": run.name, "run_id": run.id, "items": shown})
    return {"kind": "media", "title": block["title"] or block["key"], "runs": panels}


def lineage_figure(graph: LineageGraph, title: str) -> dict[str, Any]:
    """A lineage graph as a Plotly figure: columns by hop direction, edges as lines."""
    layer = {graph.root: 0}
    for _ in range(len(graph.nodes) + 1):
        changed = False
        for e in graph.edges:
            if e.source in layer and e.target not in layer:
                layer[e.target], changed = layer[e.source] + 1, True
            elif e.target in layer and e.source not in layer:
                layer[e.source], changed = layer[e.target] - 1, True
        if not changed:
            break
    rows: dict[int, int] = {}
    pos: dict[str, tuple[int, int]] = {}
    for node in graph.nodes:
        if node.id in layer:
            col = layer[node.id]
            pos[node.id] = (col, -rows.get(col, 0))
            rows[col] = rows.get(col, 0) + 1
    ex: list[float | None] = []
    ey: list[float | None] = []
    for e in graph.edges:
        if e.source in pos and e.target in pos:
            ex += [pos[e.source][0], pos[e.target][0], None]
            ey += [pos[e.source][1], pos[e.target][1], None]
    nodes = [n for n in graph.nodes if n.id in pos]
    labels = [esc(f"{n.name}:v{n.version}" if n.version else n.name) for n in nodes]
    traces = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": ex,
            "y": ey,
            "hoverinfo": "skip",
            "line": {"color": "#999"},
            "showlegend": False,
        },
        {
            "type": "scatter",
            "mode": "markers+text",
            "x": [pos[n.id][0] for n in nodes],
            "y": [pos[n.id][1] for n in nodes],
            "text": labels,
            "textposition": "top center",
            "marker": {
                "size": 16,
                "symbol": ["circle" if n.kind == "run" else "square" for n in nodes],
                "color": ["#1f77b4" if n.kind == "run" else "#ff7f0e" for n in nodes],
            },
            "hovertext": [esc(f"{n.kind} {n.id}") for n in nodes],
            "showlegend": False,
        },
    ]
    hidden = {"visible": False}
    layout = {
        "title": {"text": esc(title)},
        "xaxis": hidden,
        "yaxis": hidden,
        "height": 300,
        "margin": {"l": 20, "r": 20, "t": 40, "b": 20},
    }
    return {"data": traces, "layout": layout}


def lineage(artifacts: ArtifactService, block: Mapping[str, Any]) -> dict[str, Any]:
    """The lineage of an artifact version (``name:vN`` or ``name:alias``)."""
    graph = artifacts.lineage(block["ref"], block["direction"], int(block["depth"]))
    title = block["title"] or f"Lineage of {block['ref']}"
    return {"kind": "figure", "figure": lineage_figure(graph, title), "nodes": len(graph.nodes)}


def model_card(
    registry: RegistryService, tracking: TrackingService, artifacts: ArtifactService, uri: str
) -> dict[str, Any]:
    """A model version's card: version, aliases, stage, card text, its run and lineage."""
    version = registry.resolve_model_uri(uri if uri.startswith("models:/") else f"models:/{uri}")
    model = registry.get_registered_model(version.name)
    card: dict[str, Any] = {
        "kind": "model",
        "uri": uri,
        "name": version.name,
        "version": version.version,
        "aliases": version.aliases,
        "stage": str(getattr(version.stage, "value", version.stage)),
        "description": version.description or model.description,
        "tags": version.tags,
        "artifact": version.artifact_ref,
        "created_at": version.created_at,
        "card_html": render_markdown(model.model_card) if model.model_card else "",
        "run": None,
        "lineage": None,
    }
    if version.run_id:
        run = tracking.get_run(version.run_id)
        card["run"] = {
            "id": run.id,
            "name": run.name,
            "params": run.params,
            "metrics": {k: v for k, v in run.metrics.items() if not k.startswith("system/")},
        }
    graph = artifacts.lineage(version.artifact_ref, "both", 2)
    card["lineage"] = lineage_figure(graph, f"Lineage of {version.artifact_ref}")
    return card


def feature_stats(features: FeatureStoreService, block: Mapping[str, Any]) -> dict[str, Any]:
    """Column statistics of a feature view's newest ingested batch, rows over all batches."""
    batches = features.ingestions(block["view"], block["version"])
    rows = sum(b.rows for b in batches)
    latest = max(batches, key=lambda b: b.id) if batches else None
    columns = []
    figures: list[dict[str, Any]] = []
    for name, s in (latest.stats if latest else {}).items():
        columns.append(
            {
                "name": name,
                "dtype": s.get("dtype"),
                "count": s.get("count"),
                "nulls": s.get("nulls"),
                "mean": s.get("mean"),
                "std": s.get("std"),
                "min": s.get("min"),
                "max": s.get("max"),
                "unique": s.get("unique"),
            }
        )
        hist = s.get("histogram")
        if hist and len(figures) < 12:
            edges = hist["edges"]
            centers = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
            figures.append(
                {
                    "data": [{"type": "bar", "x": centers, "y": hist["counts"]}],
                    "layout": {
                        "title": {"text": esc(name)},
                        "height": 220,
                        "margin": {"l": 40, "r": 10, "t": 30, "b": 30},
                    },
                }
            )
    return {
        "kind": "features",
        "view": block["view"],
        "title": block["title"] or block["view"],
        "batches": len(batches),
        "rows": rows,
        "columns": columns,
        "figures": figures,
        "version": latest.view_version if latest else None,
    }


def pipeline_run(pipelines: PipelineService, block: Mapping[str, Any]) -> dict[str, Any]:
    """A pipeline run's summary: status, params, and each step's status, attempts, cache
    hit, outputs and duration, with a timeline of the steps."""
    run_id = block.get("run_id")
    if not run_id:
        pipelines.get_pipeline(block["pipeline"])  # PIPELINE_NOT_FOUND for a wrong name
        latest = pipelines.list_runs(block["pipeline"], limit=1)
        if not latest:
            return {"kind": "pipeline", "title": block["title"] or block["pipeline"], "run": None}
        run_id = latest[0].id
    run = pipelines.get_run(str(run_id))
    steps = [
        {
            "name": s.name, "status": s.status, "attempts": s.attempts,
            "cached": s.cached_from is not None, "duration_ms": s.duration_ms,
            "outputs": ", ".join(str(o.get("ref", "")) for o in s.outputs.values()
                                 if isinstance(o, dict)),
            "error": (s.error or "")[:300],
        }
        for s in run.steps
    ]  # fmt: skip
    timed = [s for s in run.steps if s.started_at is not None]
    bars = {
        "type": "bar", "orientation": "h", "y": [esc(s.name) for s in timed],
        "x": [(s.ended_at or s.started_at or 0) - (s.started_at or 0) for s in timed],
        "base": [(s.started_at or 0) - run.started_at for s in timed],
        "marker": {"color": ["#2ca02c" if s.status in ("SUCCEEDED", "CACHED") else "#d62728"
                             for s in timed]},
    }  # fmt: skip
    layout = {
        "title": {"text": "step timeline (ms from the run's start)"},
        "height": 80 + 30 * len(timed),
        "margin": {"l": 120, "r": 20, "t": 40, "b": 40}, "yaxis": {"autorange": "reversed"},
    }  # fmt: skip
    summary = {
        "id": run.id, "pipeline": run.pipeline, "project": run.project, "status": run.status,
        "trigger": run.trigger, "executor": run.executor, "params": run.params,
        "started_at": run.started_at, "ended_at": run.ended_at, "error": run.error,
    }  # fmt: skip
    return {
        "kind": "pipeline", "title": block["title"] or f"Pipeline {run.pipeline}",
        "run": summary, "steps": steps, "figure": {"data": [bars], "layout": layout},
    }  # fmt: skip
