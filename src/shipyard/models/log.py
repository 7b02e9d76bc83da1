"""``log_model`` and ``load``: models stored as ``model`` artifacts of a run, registered
as versions of a registered model, and loaded back from any model URI."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from shipyard.client import Client, Run
from shipyard.client.artifacts import ArtifactVersion
from shipyard.core.errors import InvalidInputError
from shipyard.models.format import LoadedModel, Signature, load_model_dir, save_model
from shipyard.models.sources import MODEL_ARTIFACT_TYPE, fetch, is_local

__all__ = ["load", "log_model", "run_lineage"]


def _active(run: Run | None) -> Run:
    from shipyard.client import fluent

    found = run or fluent.active_run()
    if found is None:
        raise InvalidInputError(
            "log_model needs a run: call it inside `with sy.start_run(...)` or pass run="
        )
    return found


def run_lineage(run: Run) -> tuple[dict[str, Any], dict[str, float]]:
    """``(lineage, metrics)`` of a run: its id, project, code commit and the artifact
    versions it consumed; its latest metric values."""
    run.flush()
    record = run.backend.get_run(run.id)
    inputs = run.backend.run_artifacts(run.id)["input"]
    git = record.system.get("git") if isinstance(record.system, Mapping) else None
    lineage = {
        "run_id": run.id,
        "project": record.project,
        "run_name": record.name,
        "git_commit": git.get("commit") if isinstance(git, Mapping) else None,
        "datasets": [{"ref": v.ref, "type": v.type, "digest": v.digest} for v in inputs],
    }
    return lineage, dict(record.metrics)


def log_model(  # noqa: PLR0917 - the documented public signature takes these in order
    model: Any,
    name: str,
    input_example: Any = None,
    signature: Signature | Mapping[str, Any] | None = None,
    flavor: str | None = None,
    run: Run | None = None,
    register: bool = True,
    pip_requirements: Sequence[str] | None = None,
    *,
    flavor_options: Mapping[str, Any] | None = None,
    allow_unsafe: bool = False,
    description: str = "",
    tags: Mapping[str, str] | None = None,
    comment: str = "",
) -> Any:
    """Save ``model`` as a ``model`` artifact named ``name`` of the active run (or
    ``run``) and, with ``register`` (default), register it as a new version of
    registered model ``name``. Returns the ``ModelVersion`` (``.name``, ``.version``,
    ``.run_id``), or the ``ArtifactVersion`` when ``register=False``.

    The flavor is detected (scikit-learn, XGBoost, LightGBM, PyTorch, ONNX, pyfunc)
    unless given; ``flavor="pickle"`` needs ``allow_unsafe=True``. ``model.yaml``
    records the signature (inferred from ``input_example`` unless given), the first
    rows of the example, pinned requirements, the run's metrics and its lineage."""
    run = _active(run)
    lineage, metrics = run_lineage(run)
    with tempfile.TemporaryDirectory(prefix="shipyard-model-") as tmp:
        folder = Path(tmp) / "model"
        spec = save_model(
            model, folder, flavor=flavor, input_example=input_example, signature=signature,
            pip_requirements=pip_requirements, metrics=metrics, lineage=lineage,
            flavor_options=flavor_options, allow_unsafe=allow_unsafe,
        )  # fmt: skip
        meta = {"flavor": spec.flavor, "format": spec.format, "signature": spec.signature}
        artifact = run.log_artifact(folder, name=name, type=MODEL_ARTIFACT_TYPE, metadata=meta)
    if not register:
        return artifact
    return _register(run, name, artifact, description, tags, comment)


def _register(  # noqa: PLR0917
    run: Run,
    name: str,
    artifact: ArtifactVersion,
    description: str,
    tags: Mapping[str, str] | None,
    comment: str,
) -> Any:
    client = Client(backend=run.backend)  # shares the run's backend: not closed here
    return client.create_model_version(
        name, artifact.ref, run_id=run.id, description=description, tags=dict(tags or {}),
        comment=comment,
    )  # fmt: skip


def load(
    uri: str,
    allow_unsafe: bool = False,
    *,
    trusted_types: Sequence[str] = (),
    tracking_uri: str | None = None,
    client: Client | None = None,
) -> LoadedModel:
    """Load a model from ``models:/name/3``, ``models:/name@alias``,
    ``runs:/<run_id>/<name>`` (``runs:/<id>/model`` for a run's only model),
    ``artifacts:/name:v2`` or a local folder. Files are verified against model.yaml;
    pickle models need ``allow_unsafe=True`` (or SHIPYARD_ALLOW_UNSAFE_MODELS=1).
    ``client`` (or ``tracking_uri``) picks the store; default: SHIPYARD_TRACKING_URI."""
    own = None if is_local(uri) or client is not None else Client(tracking_uri)
    try:
        source = fetch(uri, client or own)
    finally:
        if own is not None:
            own.close()
    loaded = load_model_dir(
        source.path, allow_unsafe=allow_unsafe, trusted_types=trusted_types, uri=uri
    )
    loaded.model_version = source.model_version
    loaded.artifact_ref = None if source.artifact is None else source.artifact.ref
    return loaded
