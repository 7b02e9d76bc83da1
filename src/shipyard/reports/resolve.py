"""Turn a report spec into the data its blocks show, from the current state of the store.

A live report is resolved on every view; a snapshot stores the result. A block whose
source is gone (a deleted model, a bad filter) resolves to ``{"kind": "error"}`` with
the message, so the rest of the report still reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from shipyard.artifacts import ArtifactService
from shipyard.core.errors import ShipyardError
from shipyard.core.timeutil import now_ms
from shipyard.features.service import FeatureStoreService
from shipyard.media import MediaService
from shipyard.pipelines import PipelineService
from shipyard.registry import RegistryService
from shipyard.reports import blocks as b
from shipyard.reports import runsets as rs_
from shipyard.reports.markdown import render_markdown
from shipyard.store.blobs import BlobStore
from shipyard.tracking.service import TrackingService

__all__ = ["Sources", "resolve"]

# All line charts of a report share this many points, so the page and its HTML export
# stay small however many runs a run set holds; each trace gets 50 to 1,000 points.
POINT_BUDGET = 150_000
MIN_TRACE_POINTS, MAX_TRACE_POINTS = 50, 1_000


@dataclass
class Sources:
    """The services a report reads from (the feature store is opened only if needed)."""

    tracking: TrackingService
    media: MediaService
    artifacts: ArtifactService
    registry: RegistryService
    blobs: BlobStore
    features: Callable[[], FeatureStoreService]
    pipelines: PipelineService


def _trace_points(spec: Mapping[str, Any], sets: Mapping[str, rs_.RunSet]) -> int:
    traces = sum(
        len(sets[blk["runset"]].runs)
        for blk in spec["blocks"]
        if blk["type"] == "line" and blk["runset"] in sets
    )
    per = POINT_BUDGET // max(1, traces)
    return max(MIN_TRACE_POINTS, min(MAX_TRACE_POINTS, per))


def _block(src: Sources, blk: Mapping[str, Any], sets: Mapping[str, Any], pts: int) -> Any:
    kind = blk["type"]
    if kind == "heading":
        return {"kind": "heading", "text": blk["text"], "level": blk["level"]}
    if kind == "markdown":
        return {"kind": "html", "html": render_markdown(blk["text"])}
    if kind == "model":
        return b.model_card(src.registry, src.tracking, src.artifacts, blk["uri"])
    if kind == "features":
        return b.feature_stats(src.features(), blk)
    if kind == "lineage":
        return b.lineage(src.artifacts, blk)
    if kind == "pipeline":
        return b.pipeline_run(src.pipelines, blk)
    runset = sets[blk["runset"]]
    if isinstance(runset, ShipyardError):
        raise runset
    if kind == "line":
        return rs_.line(src.tracking, runset, blk, pts)
    if kind == "scatter":
        return rs_.scatter(runset, blk)
    if kind == "bar":
        return rs_.bar(runset, blk)
    if kind == "parallel":
        return rs_.parallel(runset, blk)
    if kind == "table":
        return rs_.table(runset, blk)
    return b.media(src.media, src.blobs, runset, blk)


def resolve(src: Sources, spec: Mapping[str, Any]) -> dict[str, Any]:
    """``{"resolved_at", "runsets": {id: summary}, "blocks": [data, ...]}``."""
    sets: dict[str, Any] = {}
    for key, runset in spec["runsets"].items():
        try:
            sets[key] = rs_.load_runset(src.tracking, runset)
        except ShipyardError as exc:
            sets[key] = exc
    loaded = {k: v for k, v in sets.items() if isinstance(v, rs_.RunSet)}
    points = _trace_points(spec, loaded)
    out = []
    for blk in spec["blocks"]:
        try:
            data = _block(src, blk, sets, points)
        except ShipyardError as exc:
            data = {"kind": "error", "error_code": exc.error_code, "message": exc.message}
        data["type"] = blk["type"]
        data.setdefault("title", blk.get("title", ""))
        out.append(data)
    summaries = {
        k: (v.summary() if isinstance(v, rs_.RunSet) else {"error": v.message})
        for k, v in sets.items()
    }
    return {"resolved_at": now_ms(), "runsets": summaries, "blocks": out}
