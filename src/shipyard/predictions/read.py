"""Reading the predictions store: the latest batch run's rows, and tracing a row back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from shipyard.batch import PREDICTIONS_TYPE, read_parts
from shipyard.batch.layout import partition_of
from shipyard.client import Client
from shipyard.client.artifacts import ArtifactVersion, BlobCache
from shipyard.core.errors import InvalidInputError, NotFoundError


def versions(name: str = "predictions", *, tracking_uri: str | None = None) -> list[Any]:
    """Every committed batch run of ``name`` not deleted since, oldest first
    (``ArtifactVersion``s)."""
    client = Client(tracking_uri)
    try:
        return _versions(client, name)
    finally:
        client.close()


def _versions(client: Client, name: str) -> list[ArtifactVersion]:
    found = [
        v
        for v in client.list_artifact_versions(name)
        if v.type == PREDICTIONS_TYPE and v.record.is_ready
    ]
    if not found:
        raise NotFoundError(f"no predictions named {name!r}: run a batch prediction first")
    return sorted(found, key=lambda v: v.version)


def latest(
    name: str = "predictions",
    *,
    date: str | None = None,
    version: int | None = None,
    tracking_uri: str | None = None,
    client: Client | None = None,
) -> pd.DataFrame:
    """The rows of the newest committed batch run of ``name`` (or of ``version``), only
    the ``date`` partition (``YYYY-MM-DD``) when given. Only the parts read are
    downloaded, through the verified blob cache."""
    own = client is None
    client = client or Client(tracking_uri)
    try:
        return load_rows(client, name, date=date, version=version)
    finally:
        if own:
            client.close()


def load_rows(
    client: Client, name: str, *, date: str | None = None, version: int | None = None
) -> pd.DataFrame:
    """``latest`` over an open client (the REST route and the CLI use it too)."""
    found = _versions(client, name)
    chosen = found[-1] if version is None else _pick(found, name, version)
    cache = BlobCache()
    parts = []
    for entry in chosen.files():
        part_date = partition_of(entry.path)
        if entry.digest is None or part_date is None or (date and part_date != date):
            continue
        local, _ = cache.fetch(client.backend, entry.digest, entry.size)
        parts.append((entry.path, local))
    return read_parts(parts)


def _pick(found: list[ArtifactVersion], name: str, version: int) -> ArtifactVersion:
    for v in found:
        if v.version == version:
            return v
    raise NotFoundError(f"predictions {name!r} have no version {version}")


def trace(
    row: Mapping[str, Any] | pd.Series,
    name: str = "predictions",
    *,
    depth: int | None = None,
    tracking_uri: str | None = None,
) -> dict[str, Any]:
    """Where one prediction row comes from: its batch run, the predictions version, the
    model version and its training run (code commit, config), and every upstream artifact
    version (training sets, raw datasets), from the lineage graph walked to its roots
    (or ``depth`` generations); ``truncated`` is True when lineage goes on beyond it."""
    run_id = row.get("batch_run_id")
    if not run_id:
        raise InvalidInputError("the row has no batch_run_id: is it a prediction row?")
    client = Client(tracking_uri)
    try:
        produced = [v for v in _versions(client, name) if v.producer_run_id == run_id]
        if not produced:
            raise NotFoundError(f"batch run {run_id} committed no version of {name!r}")
        graph = client.lineage(produced[0].ref, direction="upstream", depth=depth)
        runs = [n for n in graph.nodes if n.kind == "run"]
        versions_ = [n for n in graph.nodes if n.kind != "run"]
        return {
            "batch_run_id": run_id,
            "predictions": produced[0].ref,
            "model": {"name": row.get("model_name"), "version": row.get("model_version")},
            "feature_service": {
                "name": row.get("feature_service"),
                "version": row.get("feature_service_version"),
            },
            "runs": [{"id": n.id, "name": n.name, "hops": n.hops} for n in runs],
            "artifacts": [{"ref": n.id, "type": n.type, "hops": n.hops} for n in versions_],
            "truncated": graph.truncated,
            "graph": graph,
        }
    finally:
        client.close()
