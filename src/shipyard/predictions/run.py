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

import pyarrow as pa

from shipyard.batch import EXECUTORS, Scored, ScoreJob, run_local, run_ray
from shipyard.client import Client, Run, start_run
from shipyard.client.artifact_commit import BlobWriter
from shipyard.client.artifacts import ArtifactVersion
from shipyard.core.errors import InvalidInputError
from shipyard.predictions.commit import Committed, commit_run
from shipyard.predictions.source import Source, open_source

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
    ``"local"`` scores ``chunk_rows`` chunks with ``workers`` scorers (default: all
    cores; this process and ``workers - 1`` spawned ones), ``"ray"`` with Ray Data
    ``map_batches`` (local Ray unless ``ray_address`` or RAY_ADDRESS). A ``data``
    Parquet file is read by the workers in place; other rows are written once to a
    temporary Parquet file. The workers store their parts in the blob store and the run
    commits one version from them. ``files_dir`` also publishes the Parquet parts to
    ``<files_dir>/<output>/current``; ``sql_url`` + ``sql_table`` append them to a table,
    committed only once the version is."""
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
        _check_sql_target(client, sql_url)
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
        info = {
            "model_name": mv.name if mv else None,
            "model_version": mv.version if mv else None,
            "feature_service": service,
            "feature_service_version": service_version,
            "predicted_at": datetime.now(UTC),
            "batch_run_id": run.id,
        }
        columns = _feature_columns(model, args)
        with tempfile.TemporaryDirectory(prefix="shipyard-batch-") as tmp:
            source = open_source(
                client, args, columns=columns, workers=plan.workers, tmp=Path(tmp), tell=tell
            )
            out = Path(tmp) / "predictions"
            scored = _score(model, source, columns, info, args, plan, client, out, tell)
            done = commit_run(run, client, scored, out, args, info)
        result = _result(run, done, scored, info, started)
        run.log({"rows": result.rows, "rows_per_second": result.rows_per_second})
    return result


def _check_sql_target(client: Client, sql_url: str | None) -> None:
    """SQLite has one writer: the SQL copy's open transaction would block the artifact
    commit if both were the same database file."""
    if sql_url is None:
        return
    import sqlalchemy as sa

    if not client.tracking_uri.startswith("sqlite"):
        return  # PostgreSQL takes concurrent writers; a server's database is its own
    target, store = sa.make_url(sql_url), sa.make_url(client.tracking_uri)
    if target.get_backend_name() == store.get_backend_name() == "sqlite" and (
        target.database and store.database
        and Path(target.database).resolve() == Path(store.database).resolve()
    ):  # fmt: skip
        raise InvalidInputError(
            f"sql_url {sql_url!r} is the metadata database itself; give the SQL copy its "
            "own database (SQLite lets one writer in at a time)"
        )


def _feature_columns(model: Any, args: dict[str, Any]) -> list[str]:
    if args["feature_columns"] is not None:
        return list(args["feature_columns"])
    signature = model.signature
    inputs = getattr(signature, "inputs", None)
    if isinstance(inputs, tuple) and inputs:
        return [c.name for c in inputs]
    raise InvalidInputError(
        "the model has no column signature: pass feature_columns= to say which columns it reads"
    )


# Arrow types of the constant columns, so a None (no feature service) keeps its type.
_TYPES = {
    "model_name": pa.string(),
    "model_version": pa.int64(),
    "feature_service": pa.string(),
    "feature_service_version": pa.int64(),
    "predicted_at": pa.timestamp("us", tz="UTC"),
    "batch_run_id": pa.string(),
}


def _score(  # noqa: PLR0917 - internal: the run's pieces, in order
    model: Any,
    source: Source,
    columns: list[str],
    info: dict[str, Any],
    args: dict[str, Any],
    plan: _Plan,
    client: Client,
    out: Path,
    tell: Progress,
) -> Scored:
    from shipyard.models import load_model_dir

    out.mkdir()
    job = ScoreJob(
        input_path=source.path,
        output_root=out,
        loader=functools.partial(load_model_dir, model.path, allow_unsafe=args["allow_unsafe"]),
        feature_columns=columns,
        sink=BlobWriter.for_backend(client.backend),
        constants={k: pa.scalar(v, _TYPES[k]) for k, v in info.items()},
        timestamp_column=args["timestamp_column"],
        run_date=info["predicted_at"].strftime("%Y-%m-%d"),
        chunk_rows=plan.chunk_rows,
        keep_files=plan.executor == "local",
    )

    def on_rows(n: int) -> None:
        tell("predict", n, source.rows)

    if plan.executor == "ray":
        return run_ray(job, plan.workers, plan.chunk_rows, plan.ray_address, on_rows)
    return run_local(job, source.slices, plan.workers, on_rows)


def _result(
    run: Run, done: Committed, scored: Scored, info: dict[str, Any], started: float
) -> BatchResult:
    return BatchResult(
        run_id=run.id, artifact=done.artifact, rows=scored.rows,
        model_name=info["model_name"], model_version=info["model_version"],
        feature_service=info["feature_service"],
        feature_service_version=info["feature_service_version"], dates=done.dates,
        seconds=time.perf_counter() - started, files=done.files, sql_rows=done.sql_rows,
    )  # fmt: skip
