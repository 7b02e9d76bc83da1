"""Score a Parquet file of input rows in chunks: local processes or Ray Data.

Each worker loads the model once (the loader runs in the process initializer or the Ray
actor's constructor), reads its chunk straight from the input file, predicts, and writes
its own partitioned parts, so only row-group numbers and row counts cross processes.
"""

from __future__ import annotations

import multiprocessing
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from shipyard.batch.layout import DATE_COLUMN, PREDICTION_COLUMN, write_partitioned
from shipyard.core.errors import InvalidInputError

EXECUTORS = ("local", "ray")

Loader = Callable[[], Any]
OnRows = Callable[[int], None]


@dataclass(frozen=True)
class ScoreJob:
    """One batch run's scoring: where the rows are, how to load the model, what to add."""

    input_path: Path
    output_root: Path
    loader: Loader
    feature_columns: Sequence[str]
    constants: Mapping[str, Any] = field(default_factory=dict)
    timestamp_column: str | None = None
    run_date: str = ""

    def score(self, model: Any, rows: pd.DataFrame) -> pd.DataFrame:
        """The output rows of one chunk: the non-feature input columns, the prediction,
        the run's constants and the partition date."""
        missing = [c for c in self.feature_columns if c not in rows.columns]
        if missing:
            raise InvalidInputError(f"input rows lack the model's feature columns {missing}")
        predicted = model.predict(rows[list(self.feature_columns)])
        kept = [c for c in rows.columns if c not in set(self.feature_columns)]
        out = rows[kept].reset_index(drop=True)
        out[PREDICTION_COLUMN] = _column(predicted)
        for key, value in self.constants.items():
            out[key] = value
        if self.timestamp_column and self.timestamp_column in out.columns:
            stamps = pd.to_datetime(out[self.timestamp_column], utc=True)
            out[DATE_COLUMN] = stamps.dt.strftime("%Y-%m-%d")
        else:
            out[DATE_COLUMN] = self.run_date
        return out


def _column(predicted: Any) -> Any:
    values = predicted.to_numpy() if hasattr(predicted, "to_numpy") else predicted
    if getattr(values, "ndim", 1) > 1:
        if values.shape[1] != 1:
            raise InvalidInputError(
                f"batch prediction needs one output per row; the model gave {values.shape[1]}"
            )
        values = values[:, 0]
    return values


# -- local processes ----------------------------------------------------------------------
_WORKER: dict[str, Any] = {}


def _init_worker(job: ScoreJob) -> None:
    _WORKER["job"] = job
    _WORKER["model"] = job.loader()


def _score_groups(groups: Sequence[int]) -> int:
    job: ScoreJob = _WORKER["job"]
    rows = pq.ParquetFile(job.input_path).read_row_groups(list(groups)).to_pandas()
    out = job.score(_WORKER["model"], rows)
    write_partitioned(out, job.output_root, f"{groups[0]:06d}")
    return len(out)


def run_local(job: ScoreJob, workers: int, on_rows: OnRows | None = None) -> int:
    """Score every row group of the input across ``workers`` processes (in this process
    when ``workers`` is 1); return the row count."""
    groups = pq.ParquetFile(job.input_path).metadata.num_row_groups
    total = 0
    if workers <= 1 or groups <= 1:
        _init_worker(job)
        try:
            for group in range(groups):
                done = _score_groups([group])
                total += done
                if on_rows:
                    on_rows(done)
        finally:
            _WORKER.clear()
        return total
    # spawn, not fork: a forked child of a process whose OpenMP pool (LightGBM, XGBoost,
    # scikit-learn) has started can hang for ever on the pool's locks.
    with ProcessPoolExecutor(
        max_workers=min(workers, groups), initializer=_init_worker, initargs=(job,),
        mp_context=multiprocessing.get_context("spawn"),
    ) as pool:  # fmt: skip
        futures = [pool.submit(_score_groups, [g]) for g in range(groups)]
        for future in as_completed(futures):
            done = future.result()
            total += done
            if on_rows:
                on_rows(done)
    return total


# -- Ray Data -----------------------------------------------------------------------------
class _RayScorer:
    """A Ray Data actor: loads the model once, scores and writes each batch it gets."""

    def __init__(self, job: ScoreJob) -> None:
        self.job = job
        self.model = job.loader()

    def __call__(self, batch: Any) -> dict[str, Any]:
        # An Arrow batch, converted here: Ray's own pandas batches carry Arrow dtypes.
        out = self.job.score(self.model, batch.to_pandas())
        write_partitioned(out, self.job.output_root, uuid.uuid4().hex[:16])
        return {"rows": [len(out)]}


def run_ray(
    job: ScoreJob,
    workers: int,
    chunk_rows: int,
    address: str | None = None,
    on_rows: OnRows | None = None,
) -> int:
    """Score the input with Ray Data ``map_batches`` (a local Ray when no address is
    given, nor ``RAY_ADDRESS``); return the row count."""
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - the extra is installed in tests
        raise InvalidInputError("executor 'ray' needs Ray: pip install 'shipyard[ray]'") from exc
    if not ray.is_initialized():
        address = address or os.environ.get("RAY_ADDRESS") or None
        # One CPU more than the scoring actors hold, for the Parquet read tasks feeding them.
        cpus = None if address else max(workers, 1) + 1
        ray.init(
            address=address, num_cpus=cpus, include_dashboard=False if cpus else None,
            ignore_reinit_error=True, log_to_driver=False,
        )  # fmt: skip
    ray.data.DataContext.get_current().enable_progress_bars = False
    data = ray.data.read_parquet(str(job.input_path))
    counts = data.map_batches(
        _RayScorer,
        fn_constructor_args=(job,),
        batch_size=chunk_rows,
        batch_format="pyarrow",
        concurrency=max(workers, 1),
        num_cpus=1,
    )
    total = 0
    for batch in counts.iter_batches(batch_format="pandas"):
        done = int(batch["rows"].sum())
        total += done
        if on_rows:
            on_rows(done)
    return total
