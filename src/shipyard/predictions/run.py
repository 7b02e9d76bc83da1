"""``predict_batch``: one tracked batch run from a model URI and rows to a committed
``predictions`` artifact version (and optional file and SQL copies)."""

from __future__ import annotations

import functools
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from shipyard.batch import EXECUTORS, PREDICTIONS_TYPE, ScoreJob, commit_files, run_local, run_ray
from shipyard.client import Client, Run, start_run
from shipyard.client.artifacts import ArtifactVersion
from shipyard.core.errors import InvalidInputError
from shipyard.predictions.inputs import read_table, with_features

#: progress(stage, rows done in this call, total rows or None)
Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class BatchResult:
    """What a batch run produced."""

    run_id: str
    artifact: ArtifactVersion
    rows: int
    model_name: str | None
    model_version: int | None
    feature_service: str | None
    feature_service_version: int | None
    dates: list[str]
    seconds: float
    files: Path | None = None
    sql_rows: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("nan")


@dataclass(frozen=True)
class _Plan:
    executor: str
    workers: int
    chunk_rows: int
    ray_address: str | None


def _plan(executor: str, workers: int | None, chunk_rows: int, address: str | None) -> _Plan:
    if executor not in EXECUTORS:
        raise InvalidInputError(f"executor must be one of {list(EXECUTORS)}, not {executor!r}")
    if chunk_rows < 1:
        raise InvalidInputError(f"chunk_rows must be at least 1, not {chunk_rows}")
    count = workers if workers is not None else (os.cpu_count() or 1)
    if count < 1:
        raise InvalidInputError(f"workers must be at least 1, not {count}")
    return _Plan(executor, count, chunk_rows, address)


def predict_batch(
    model_uri: str,
    *,
    features: str | None = None,
    entities: Any = None,
    data: Any = None,
    output: str = "predictions",
    executor: str = "local",
    chunk_rows: int = 250_000,
    workers: int | None = None,
    ray_address: str | None = None,
    project: str = "batch-predictions",
    timestamp_column: str = "event_timestamp",
    feature_columns: Sequence[str] | None = None,
    files_dir: str | os.PathLike[str] | None = None,
    sql_url: str | None = None,
    sql_table: str | None = None,
    entities_sql_url: str | None = None,
    tracking_uri: str | None = None,
    allow_unsafe: bool = False,
    progress: Progress | None = None,
    parent: Run | str | None = None,
) -> BatchResult:
    """Score rows with the model at ``model_uri`` and commit them as a new version of the
    ``predictions`` artifact ``output``, produced by a tracked run of ``project``.

    Rows are ``entities`` (DataFrame, .parquet/.csv path or SQL query) joined point in
    time with feature service ``features``, or ``data`` given whole. ``executor``
    ``"local"`` scores ``chunk_rows`` chunks across ``workers`` processes (default: all
    cores), ``"ray"`` with Ray Data ``map_batches`` (local Ray unless ``ray_address`` or
    RAY_ADDRESS). ``files_dir`` also publishes the Parquet parts to
    ``<files_dir>/<output>/current``; ``sql_url`` + ``sql_table`` append them to a table."""
    by_features = features is not None and entities is not None and data is None
    if not by_features and (data is None or features is not None or entities is not None):
        raise InvalidInputError(
            "give features=SERVICE with entities=ROWS, or data=ROWS with the features in it"
        )
    if (sql_url is None) != (sql_table is None):
        raise InvalidInputError("sql_url and sql_table go together")
    plan = _plan(executor, workers, chunk_rows, ray_address)
    started = time.perf_counter()
    tell = progress or (lambda stage, done, total: None)
    client = Client(tracking_uri)
    try:
        return _run(client, locals(), plan, tell, started)
    finally:
        client.close()


def _run(
    client: Client, args: dict[str, Any], plan: _Plan, tell: Progress, started: float
) -> BatchResult:
    from shipyard import models

    model = models.load(args["model_uri"], args["allow_unsafe"], client=client)
    mv = model.model_version
    service, service_version = args["features"], None
    if service is not None:
        service_version = client.backend.get_feature_definition("service", service).version
    with start_run(
        project=args["project"],
        name=f"predict-{mv.name if mv else 'model'}",
        config={
            "model_uri": args["model_uri"], "feature_service": service, "output": args["output"],
            "executor": plan.executor, "workers": plan.workers, "chunk_rows": plan.chunk_rows,
        },
        tags={"kind": "batch-prediction"},
        tracking_uri=args["tracking_uri"],
        parent=args["parent"],
    ) as run:  # fmt: skip
        if model.artifact_ref:
            run.use_artifact(model.artifact_ref)
        rows = _rows(client, args, tell)
        constants = {
            "model_name": mv.name if mv else None,
            "model_version": mv.version if mv else None,
            "feature_service": service,
            "feature_service_version": service_version,
            "predicted_at": pd.Timestamp(datetime.now(UTC)),
            "batch_run_id": run.id,
        }
        columns = _feature_columns(model, rows, args)
        with tempfile.TemporaryDirectory(prefix="shipyard-batch-") as tmp:
            out, count = _score(model, rows, columns, constants, args, plan, Path(tmp), tell)
            result = _commit(run, out, count, args, constants, started)
        run.log({"rows": count, "rows_per_second": result.rows_per_second})
    return result


def _rows(client: Client, args: dict[str, Any], tell: Progress) -> pd.DataFrame:
    if args["data"] is not None:
        return read_table(args["data"], args["entities_sql_url"])
    entities = read_table(args["entities"], args["entities_sql_url"])
    total = len(entities)
    return with_features(
        client.backend, entities, args["features"], args["timestamp_column"],
        lambda n: tell("features", n, total),
    )  # fmt: skip


def _feature_columns(model: Any, rows: pd.DataFrame, args: dict[str, Any]) -> list[str]:
    if args["feature_columns"] is not None:
        return list(args["feature_columns"])
    signature = model.signature
    inputs = getattr(signature, "inputs", None)
    if isinstance(inputs, tuple) and inputs:
        return [c.name for c in inputs]
    raise InvalidInputError(
        "the model has no column signature: pass feature_columns= to say which columns it reads"
    )


def _score(  # noqa: PLR0917 - internal: the run's pieces, in order
    model: Any,
    rows: pd.DataFrame,
    columns: list[str],
    constants: dict[str, Any],
    args: dict[str, Any],
    plan: _Plan,
    tmp: Path,
    tell: Progress,
) -> tuple[Path, int]:
    from shipyard.models import load_model_dir

    source = tmp / "input.parquet"
    pq.write_table(
        pa.Table.from_pandas(rows, preserve_index=False), source, row_group_size=plan.chunk_rows
    )
    out = tmp / "predictions"
    out.mkdir()
    job = ScoreJob(
        input_path=source,
        output_root=out,
        loader=functools.partial(load_model_dir, model.path, allow_unsafe=args["allow_unsafe"]),
        feature_columns=columns,
        constants=constants,
        timestamp_column=args["timestamp_column"],
        run_date=datetime.now(UTC).strftime("%Y-%m-%d"),
    )
    total = len(rows)
    del rows

    def on_rows(n: int) -> None:
        tell("predict", n, total)

    if plan.executor == "ray":
        count = run_ray(job, plan.workers, plan.chunk_rows, plan.ray_address, on_rows)
    else:
        count = run_local(job, plan.workers, on_rows)
    return out, count


def _commit(  # noqa: PLR0917 - internal: the run's pieces, in order
    run: Run,
    out: Path,
    count: int,
    args: dict[str, Any],
    constants: dict[str, Any],
    started: float,
) -> BatchResult:
    from shipyard.batch import commit_sql, read_parts
    from shipyard.batch.layout import partition_of

    parts = sorted(str(p.relative_to(out)) for p in out.rglob("*.parquet"))
    dates = sorted({d for d in (partition_of(p) for p in parts) if d})
    meta = {
        "rows": count, "dates": dates, "model_uri": args["model_uri"],
        "model_name": constants["model_name"], "model_version": constants["model_version"],
        "feature_service": constants["feature_service"],
        "feature_service_version": constants["feature_service_version"],
        "batch_run_id": run.id, "predicted_at": constants["predicted_at"].isoformat(),
    }  # fmt: skip
    sql_rows = None
    if args["sql_url"] is not None:
        frames = (read_parts([(p, out / p)]) for p in parts)
        sql_rows = commit_sql(frames, args["sql_url"], args["sql_table"])
    artifact = run.log_artifact(out, name=args["output"], type=PREDICTIONS_TYPE, metadata=meta)
    files = None
    if args["files_dir"] is not None:
        files = commit_files(out, Path(args["files_dir"]), args["output"], run.id)
    return BatchResult(
        run_id=run.id, artifact=artifact, rows=count, model_name=constants["model_name"],
        model_version=constants["model_version"], feature_service=constants["feature_service"],
        feature_service_version=constants["feature_service_version"], dates=dates,
        seconds=time.perf_counter() - started, files=files, sql_rows=sql_rows,
    )  # fmt: skip
