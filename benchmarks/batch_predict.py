"""Batch prediction throughput: N rows through a LightGBM model.

    python benchmarks/batch_predict.py [--rows 10000000] [--workers 2]

Measured, each end to end over the same Parquet file of features:
* limit: one process, the whole frame in memory, ``model.predict`` with one thread;
* limit (all threads): the same with LightGBM's own threads on every core;
* shipyard local: ``sy.predict_batch(data=file, executor="local")`` — worker processes
  each load the model once, read their row groups straight from the file, score them,
  write date-partitioned Parquet and store it in the blob store (hashing included), and
  the run commits one ``predictions`` artifact version from the stored parts;
* shipyard ray: the same with Ray Data ``map_batches`` on a local Ray;
* ray by hand: ``read_parquet → map_batches(model.predict) → write_parquet`` with
  actors that hold the model (no run, no artifact, no partitioning).
For the Shipyard runs the progress callbacks time the first and the last chunk scored
and the commit after it (Ray reports its chunks as its output streams back).
Scoring threads are pinned to one per worker (OMP_NUM_THREADS=1) so that the workers,
not LightGBM's OpenMP pool, spread the work. The load average is printed with each
figure: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pandas as pd

FEATURES = 8


def _frame(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = {f"f{i}": rng.normal(size=rows).astype("float64") for i in range(FEATURES)}
    frame = pd.DataFrame(data)
    frame["id"] = np.arange(rows, dtype="int64")
    frame["event_timestamp"] = pd.Timestamp("2026-11-30", tz="UTC") + pd.to_timedelta(
        frame["id"] % 172_800, unit="s"
    )
    return frame


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}/{fifteen:.1f}"


def _report(label: str, rows: int, seconds: float, limit: float | None) -> None:
    rate = rows / seconds
    ratio = f"  {rate / limit:.2f}x limit" if limit else ""
    print(
        f"{label:<28} {rows:>12,} rows {seconds:8.1f} s {rate:>12,.0f} rows/s{ratio}  ({_load()})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--chunk-rows", type=int, default=500_000)
    parser.add_argument("--skip-ray", action="store_true")
    args = parser.parse_args()

    import lightgbm as lgb

    import shipyard as sy

    tmp = Path(tempfile.mkdtemp(prefix="shipyard-bench-batch-"))
    os.environ["SHIPYARD_HOME"] = str(tmp / "home")
    os.environ["SHIPYARD_TRACKING_URI"] = f"sqlite:///{tmp / 'shipyard.db'}"
    train = _frame(100_000, seed=1)
    columns = [f"f{i}" for i in range(FEATURES)]
    target = train["f0"] * 2 + np.sin(train["f1"]) + train["f2"] * train["f3"]
    model = lgb.LGBMRegressor(n_estimators=100, num_leaves=31, n_jobs=1, verbose=-1)
    model.fit(train[columns], target)
    with sy.start_run(project="bench-batch", name="train"):
        sy.models.log_model(model, "bench-lgbm", input_example=train[columns].head())
    print(f"{args.rows:,} rows, {FEATURES} features, LightGBM 100 trees x 31 leaves, "
          f"{os.cpu_count()} cores, {args.workers} workers ({_load()})")  # fmt: skip

    frame = _frame(args.rows)
    source = tmp / "rows.parquet"
    frame.to_parquet(source, row_group_size=args.chunk_rows)

    started = time.perf_counter()
    model.predict(frame[columns], num_threads=1)
    limit_s = time.perf_counter() - started
    limit = args.rows / limit_s
    _report("limit: predict, 1 thread", args.rows, limit_s, None)
    started = time.perf_counter()
    model.predict(frame[columns], num_threads=os.cpu_count() or 1)
    _report("limit: predict, all threads", args.rows, time.perf_counter() - started, limit)
    del frame

    uri = "models:/bench-lgbm/1"
    _shipyard("shipyard local processes", uri, source, "local", args, limit)
    if not args.skip_ray:
        _shipyard("shipyard ray (local)", uri, source, "ray", args, limit)
        _ray_by_hand(model, source, tmp / "by-hand", columns, args, limit)


def _shipyard(
    label: str, uri: str, source: Path, executor: str, args: argparse.Namespace, limit: float
) -> None:
    import shipyard as sy

    stamps: list[float] = []
    started = time.perf_counter()
    result = sy.predict_batch(
        uri, data=source, executor=executor, workers=args.workers, chunk_rows=args.chunk_rows,
        output=f"bench-{executor}", progress=lambda stage, done, total: stamps.append(
            time.perf_counter()
        ),
    )  # fmt: skip
    ended = time.perf_counter()
    _report(label, result.rows, result.seconds, limit)
    if stamps:
        print(
            f"{'':<28} first chunk scored after {stamps[0] - started:.1f} s, last after "
            f"{stamps[-1] - started:.1f} s, then the commit {ended - stamps[-1]:.1f} s"
        )


def _ray_by_hand(
    model: object, source: Path, dest: Path, columns: list[str], args: argparse.Namespace,
    limit: float,
) -> None:  # fmt: skip
    import pyarrow as pa
    import ray

    class Score:
        """An actor holding the model; Arrow batches in and out (Ray's pandas batches
        carry Arrow-backed dtypes LightGBM refuses)."""

        def __init__(self) -> None:
            self.model = model

        def __call__(self, batch: pa.Table) -> pa.Table:
            features = np.column_stack([batch.column(c).to_numpy() for c in columns])
            predicted = self.model.predict(features, num_threads=1)  # type: ignore[attr-defined]
            kept = batch.select(["id", "event_timestamp"])
            return kept.append_column("prediction", pa.array(predicted))

    started = time.perf_counter()
    data = ray.data.read_parquet(str(source)).map_batches(
        Score, batch_size=args.chunk_rows, batch_format="pyarrow", concurrency=args.workers
    )
    data.write_parquet(str(dest))
    _report("ray data by hand", args.rows, time.perf_counter() - started, limit)


if __name__ == "__main__":
    main()
