"""``sy.evaluate``: score a model on labelled data and log the results to a run.

The run gets the metrics (``eval/<metric>``, and ``eval/<column>=<value>/<metric>`` per
slice) and an ``evaluation`` artifact holding ``metrics.json``, ``slices.json``,
``evaluation.json`` (what was evaluated on what) and one Plotly figure per plot as
``plots/<name>.json`` and ``plots/<name>.html`` (the HTML files share one
``plots/plotly.min.js``, stored once however many evaluations are logged).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from shipyard.client import Client, Run
from shipyard.core.errors import InvalidInputError
from shipyard.models.evaluation.core import Computed, SliceMetrics, compute
from shipyard.models.format import LoadedModel
from shipyard.models.log import load

__all__ = ["EVALUATION_ARTIFACT_TYPE", "EvaluationResult", "evaluate", "read_data"]

EVALUATION_ARTIFACT_TYPE = "evaluation"


@dataclass
class EvaluationResult:
    """What ``evaluate`` measured, and where it logged it."""

    model_uri: str
    model_type: str
    rows: int
    metrics: dict[str, float]
    slices: list[SliceMetrics] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    plots: list[str] = field(default_factory=list)
    data: str = ""
    run_id: str | None = None
    artifact_ref: str | None = None
    model_version: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_uri": self.model_uri, "model_type": self.model_type, "rows": self.rows,
            "metrics": self.metrics, "slices": [s.to_dict() for s in self.slices],
            "skipped": self.skipped, "plots": self.plots, "data": self.data,
            "run_id": self.run_id, "artifact_ref": self.artifact_ref,
            "model_version": self.model_version,
        }  # fmt: skip


def fingerprint(frame: pd.DataFrame) -> str:
    """``sha256:<hex>`` of a frame's values, index and column names."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    digest.update(json.dumps([str(c) for c in frame.columns]).encode())
    return f"sha256:{digest.hexdigest()}"


def read_data(data: Any, run: Run | None = None) -> tuple[pd.DataFrame, str]:
    """``(frame, description)`` from a DataFrame, a CSV/Parquet path or a dataset
    artifact (``artifacts:/name:v3`` or ``name:v3``; recorded as an input of ``run``)."""
    if isinstance(data, pd.DataFrame):
        return data, fingerprint(data)
    if not isinstance(data, str | os.PathLike):
        raise InvalidInputError(f"data must be a DataFrame, a file or a dataset ref, not {data!r}")
    path = Path(data)
    if path.is_file():
        from shipyard.client.artifacts import _read_frame

        frame = _read_frame(path)
        return frame, f"{path.name} ({fingerprint(frame)})"
    if isinstance(data, str) and (data.startswith("artifacts:/") or ":" in data):
        return _artifact_frame(data, run)
    raise InvalidInputError(f"{data} is not a file, and not a dataset artifact ref")


def _artifact_frame(ref: str, run: Run | None) -> tuple[pd.DataFrame, str]:
    from shipyard.client.artifacts import ArtifactVersion, _read_frame

    client = Client(backend=run.backend) if run is not None else Client()
    version = run.use_artifact(ref) if run is not None else client.get_artifact(ref)
    assert isinstance(version, ArtifactVersion)
    with tempfile.TemporaryDirectory(prefix="shipyard-eval-data-") as tmp:
        folder = version.download(tmp)
        files = sorted(p for p in folder.rglob("*") if p.suffix in (".parquet", ".pq", ".csv"))
        if not files:
            raise InvalidInputError(f"{version.ref} holds no .parquet or .csv file")
        frame = pd.concat([_read_frame(f) for f in files], ignore_index=True)
    if run is None:
        client.close()
    return frame, version.ref


def evaluate(  # noqa: PLR0917 - the documented public signature
    model_uri: str | LoadedModel,
    data: Any,
    target: str,
    model_type: str = "classifier",
    slices: Sequence[str] | None = None,
    run: Run | None = None,
    *,
    allow_unsafe: bool = False,
    prefix: str = "eval",
    data_name: str | None = None,
    tracking_uri: str | None = None,
    project: str | None = None,
) -> EvaluationResult:
    """Compute the standard metrics of ``model_uri`` on ``data`` (a DataFrame, a file or a
    dataset artifact ref) against column ``target``; per-slice metrics for each column in
    ``slices``; plots. Logged to ``run``, else the active run, else a new run in project
    ``SHIPYARD_PROJECT`` (or ``default``) that is finished afterwards. ``data_name``
    replaces the data's description (by default the artifact ref or a content hash).
    ``tracking_uri`` and ``project`` apply when no run is given or active."""
    from shipyard.client import fluent

    own = run is None and fluent.active_run() is None
    uri = model_uri if isinstance(model_uri, str) else model_uri.uri
    run = (
        run
        or fluent.active_run()
        or fluent.start_run(
            project=project, name=f"evaluate {uri}"[:250], tracking_uri=tracking_uri
        )
    )
    try:
        model = (
            load(model_uri, allow_unsafe, client=Client(backend=run.backend))
            if isinstance(model_uri, str)
            else model_uri
        )
        frame, described = read_data(data, run)
        described = data_name or described
        computed = compute(model, frame, target, model_type, slices)
        result = _result(uri, model, computed, described)
        _log(run, result, computed, prefix)
    except BaseException:
        if own:
            run.finish("FAILED")
        raise
    if own:
        run.finish()
    return result


def _result(uri: str, model: LoadedModel, computed: Computed, data: str) -> EvaluationResult:
    version = getattr(model.model_version, "version", None)
    return EvaluationResult(
        model_uri=uri, model_type=computed.model_type, rows=computed.rows,
        metrics=computed.metrics, slices=computed.slices, skipped=computed.skipped,
        plots=sorted(computed.figures), data=data,
        model_version=None if version is None else int(version),
    )  # fmt: skip


def _log(run: Run, result: EvaluationResult, computed: Computed, prefix: str) -> None:
    values = {f"{prefix}/{k}": v for k, v in result.metrics.items()}
    for part in result.slices:
        for key, value in part.metrics.items():
            values[f"{prefix}/{part.column}={part.value}/{key}"[:250]] = value
    run.log(values)
    with tempfile.TemporaryDirectory(prefix="shipyard-eval-") as tmp:
        folder = Path(tmp)
        _write_plots(folder / "plots", computed.figures)
        result.run_id = run.id
        (folder / "metrics.json").write_text(json.dumps(result.metrics, indent=2))
        (folder / "slices.json").write_text(
            json.dumps([s.to_dict() for s in result.slices], indent=2)
        )
        (folder / "evaluation.json").write_text(json.dumps(result.to_dict(), indent=2))
        name = _artifact_name(result.model_uri)
        artifact = run.log_artifact(folder, name=name, type=EVALUATION_ARTIFACT_TYPE,
                                    metadata={"metrics": result.metrics, "data": result.data,
                                              "model_uri": result.model_uri})  # fmt: skip
    result.artifact_ref = artifact.ref


def _write_plots(folder: Path, figures: dict[str, Any]) -> None:
    folder.mkdir(parents=True)
    for name, figure in figures.items():
        (folder / f"{name}.json").write_text(figure.to_json())
        html = str(folder / f"{name}.html")
        figure.write_html(html, include_plotlyjs="directory", full_html=True)


def _artifact_name(uri: str) -> str:
    """``eval-<model>``: a valid artifact name derived from the model URI."""
    import re

    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", uri.split(":/", 1)[-1]).strip("-._")
    return f"eval-{stem or 'model'}"[:200]
