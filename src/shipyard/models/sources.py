"""Where a model comes from: ``models:/name/3``, ``models:/name@alias``,
``runs:/<run_id>/<name>``, ``artifacts:/name:v2`` or a local folder.

Resolving a URI finds the model artifact version and downloads it (through the digest
cache, so a second load transfers nothing) into ``$SHIPYARD_HOME/cache/models/<digest>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipyard.client import Client
from shipyard.client.artifacts import ArtifactVersion
from shipyard.core.config import shipyard_home
from shipyard.core.errors import ArtifactNotFoundError, InvalidInputError

__all__ = ["MODEL_ARTIFACT_TYPE", "ModelSource", "fetch", "is_local"]

MODEL_ARTIFACT_TYPE = "model"
_RUNS = re.compile(r"^runs:/([0-9a-f]{32})/([^/]+)/?$")


@dataclass(frozen=True)
class ModelSource:
    """A downloaded model: its folder and what it is (as far as the URI said)."""

    uri: str
    path: Path
    artifact: ArtifactVersion | None = None
    model_version: Any = None

    @property
    def run_id(self) -> str | None:
        if self.model_version is not None:
            return str(self.model_version.run_id) if self.model_version.run_id else None
        return None if self.artifact is None else self.artifact.producer_run_id


def is_local(uri: str) -> bool:
    return isinstance(uri, str) and not uri.startswith(("models:/", "runs:/", "artifacts:/"))


def fetch(uri: str, client: Client | None = None) -> ModelSource:
    """Resolve ``uri`` and materialise the model's files locally."""
    if not isinstance(uri, str) or not uri:
        raise InvalidInputError("a model URI must be a non-empty string")
    if is_local(uri):
        path = Path(uri).expanduser()
        if not path.is_dir():
            raise InvalidInputError(
                f"{uri!r} is neither a model URI (models:/, runs:/, artifacts:/) nor a folder"
            )
        return ModelSource(uri, path)
    client = client or Client()
    model_version = None
    if uri.startswith("models:/"):
        model_version = client.resolve_model_uri(uri)
        artifact = client.get_artifact(model_version.artifact_ref)
    elif uri.startswith("runs:/"):
        artifact = _run_model(client, uri)
    else:
        artifact = client.get_artifact(uri)
    if artifact.type != MODEL_ARTIFACT_TYPE:
        raise InvalidInputError(
            f"{artifact.ref} is a {artifact.type!r} artifact, not a model", ref=artifact.ref
        )
    folder = shipyard_home() / "cache" / "models" / artifact.digest
    return ModelSource(uri, artifact.download(folder), artifact, model_version)


def _run_model(client: Client, uri: str) -> ArtifactVersion:
    match = _RUNS.match(uri)
    if match is None:
        raise InvalidInputError(f"{uri!r} must look like runs:/<32-hex run id>/<model name>")
    run_id, name = match.groups()
    client.get_run(run_id)  # a clear RUN_NOT_FOUND for an unknown run
    outputs = client.backend.run_artifacts(run_id)["output"]
    models = [v for v in outputs if v.type == MODEL_ARTIFACT_TYPE]
    named = [v for v in models if v.name == name]
    if not named and name == "model" and len({v.name for v in models}) == 1:
        named = models  # runs:/<id>/model: the run's only model
    if not named:
        logged = sorted({v.name for v in models})
        raise ArtifactNotFoundError(
            f"run {run_id} logged no model named {name!r}"
            + (f"; it logged {logged}" if logged else "; it logged no model at all"),
            run_id=run_id,
        )
    newest = max(named, key=lambda v: v.version)
    return ArtifactVersion(newest, client.backend)
