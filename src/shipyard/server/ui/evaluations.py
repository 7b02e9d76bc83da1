"""The evaluations of a model version: ``evaluation`` artifacts that ``sy.evaluate``
logged for it, with their metrics and the Plotly figures under ``plots/``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from shipyard.artifacts import ArtifactService, ArtifactVersionRecord
from shipyard.registry.entities import ModelVersion
from shipyard.store.blobs import BlobStore

EVALUATION_TYPE = "evaluation"
MAX_EVALUATIONS = 20
MAX_JSON_BYTES = 4 * 1024 * 1024


@dataclass
class Evaluation:
    """One logged evaluation: where it is, what it measured, and its plots' blobs."""

    version: ArtifactVersionRecord
    info: dict[str, Any]
    plots: list[dict[str, str]] = field(default_factory=list)


def _read_json(blobs: BlobStore, digest: str) -> Any:
    with blobs.open(digest) as fh:
        return json.loads(fh.read(MAX_JSON_BYTES))


def _is_for(model: str, version: ModelVersion, uri: str, info: dict[str, Any]) -> bool:
    art = version.artifact_ref
    if uri in (art, f"artifacts:/{art}"):
        return True
    registered = uri.startswith((f"models:/{model}/", f"models:/{model}@"))
    return registered and info.get("model_version") == version.version


def evaluations_of(
    artifacts: ArtifactService, blobs: BlobStore, model: str, version: ModelVersion
) -> list[Evaluation]:
    """Newest first, at most ``MAX_EVALUATIONS``."""
    found: list[Evaluation] = []
    prefixes = (f"models:/{model}/", f"models:/{model}@", "artifacts:/", version.artifact_ref)
    candidates = [
        v
        for a in artifacts.list_artifacts(EVALUATION_TYPE)
        for v in artifacts.list_versions(a.name, include_deleted=False)
        if str(v.metadata.get("model_uri", "")).startswith(prefixes)
    ]
    for v in sorted(candidates, key=lambda c: c.created_at, reverse=True):
        files = {f.path: f.digest for f in artifacts.files(v.id) if f.digest}
        info = _read_json(blobs, files["evaluation.json"]) if "evaluation.json" in files else {}
        if not _is_for(model, version, str(v.metadata.get("model_uri", "")), info):
            continue
        plots = [
            {"name": path.removeprefix("plots/").removesuffix(".json"), "digest": digest}
            for path, digest in sorted(files.items())
            if path.startswith("plots/") and path.endswith(".json")
        ]
        found.append(Evaluation(v, info, plots))
        if len(found) >= MAX_EVALUATIONS:
            break
    return found
