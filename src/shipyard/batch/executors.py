"""Score a Parquet file of input rows in slices: local processes or Ray Data.

Each worker loads the model once (the loader runs in the process initializer or the Ray
actor's constructor), reads its slices straight from the input file, predicts, writes
its own partitioned parts and stores them in the blob store through the job's sink, so
only slice numbers, row counts and ``path → digest, size`` cross processes, and hashing
and storing the output runs in parallel with scoring instead of after it.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import os
import queue
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipyard.batch.layout import write_partitioned
from shipyard.batch.scoring import ScoreJob, Stored
from shipyard.batch.source import Slice, open_input, read_slice
from shipyard.core.errors import InvalidInputError

EXECUTORS = ("local", "ray")

OnRows = Callable[[int], None]


@dataclass(frozen=True)
class Scored:
    """What scoring produced: the row count and every stored part."""

    rows: int
    parts: Sequence[Stored]


def _store(job: ScoreJob, root: Path, written: Sequence[str]) -> list[Stored]:
    stored = list(job.sink([(rel, root / rel) for rel in written]))
    if not job.keep_files:
        for rel in written:
            (root / rel).unlink(missing_ok=True)
    return stored


# -- local processes ----------------------------------------------------------------------
_WORKER: dict[str, Any] = {}
# Thread pools of numeric libraries, sized per worker unless the environment says.
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _init_worker(job: ScoreJob, threads: int | None = None) -> None:
    if threads is not None:  # before the loader imports the model's library
        for name in _THREAD_VARS:
            os.environ.setdefault(name, str(threads))
    _WORKER["job"] = job
    _WORKER["model"] = job.loader()


def _score_slice(part: Slice) -> tuple[int, list[Stored]]:
    return _score_part(_WORKER["job"], _WORKER["model"], part)


def _score_part(job: ScoreJob, model: Any, part: Slice) -> tuple[int, list[Stored]]:
    file = open_input(job.input_path)
    rows = 0
    written: list[str] = []
    for piece, table in enumerate(read_slice(file, part, job.chunk_rows)):
        out = job.score(model, table)
        written += write_partitioned(out, job.output_root, f"{part.index:05d}-{piece:03d}")
        rows += out.num_rows
    return rows, _store(job, job.output_root, written)


def run_local(
    job: ScoreJob, slices: Sequence[Slice], workers: int, on_rows: OnRows | None = None
) -> Scored:
    """Score every slice of the input with ``workers`` scorers: this process (which
    needs no start-up: it has the libraries loaded) and ``workers - 1`` spawned ones."""
    workers = min(workers, len(slices))
    if workers > 1:
        return _Pool(job, slices, workers, on_rows).run()
    total, parts = 0, list[Stored]()
    _init_worker(job)
    try:
        for part in slices:
            done, stored = _score_slice(part)
            total += done
            parts += stored
            if on_rows:
                on_rows(done)
    finally:
        _WORKER.clear()
    return Scored(total, parts)


class _Pool:
    """Slices handed out one at a time to the spawned processes and to a thread of this
    process, so every scorer keeps busy to the end. Results arrive on one queue and are
    counted in the calling thread (``on_rows`` runs there)."""

    def __init__(
        self, job: ScoreJob, slices: Sequence[Slice], workers: int, on_rows: OnRows | None
    ) -> None:
        self.job, self.on_rows = job, on_rows
        self.todo = collections.deque(slices)
        self.lock = threading.Lock()
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.threads = max(1, (os.cpu_count() or 1) // workers)
        # spawn, not fork: a forked child of a process whose OpenMP pool (LightGBM,
        # XGBoost, scikit-learn) has started can hang for ever on the pool's locks.
        self.processes = workers - 1
        self.pool = ProcessPoolExecutor(
            max_workers=self.processes, initializer=_init_worker, initargs=(job, self.threads),
            mp_context=multiprocessing.get_context("spawn"),
        )  # fmt: skip
        self.running = 0

    def _next(self) -> Slice | None:
        with self.lock:
            return self.todo.popleft() if self.todo else None

    def _feed(self) -> None:
        part = self._next()
        if part is not None:
            future = self.pool.submit(_score_slice, part)
            future.add_done_callback(lambda f: self.events.put(("pool", f)))
            self.running += 1

    def _score_here(self) -> None:
        try:
            with _thread_limit(self.threads):
                model = self.job.loader()
                while (part := self._next()) is not None:
                    self.events.put(("here", _score_part(self.job, model, part)))
        except BaseException as exc:  # reported to the calling thread, which raises it
            self.events.put(("failed", exc))
        else:
            self.events.put(("done", None))

    def run(self) -> Scored:
        here = threading.Thread(target=self._score_here, name="shipyard-batch", daemon=True)
        total, parts = 0, list[Stored]()
        try:
            for _ in range(self.processes):  # one slice in flight per process
                self._feed()
            here.start()
            scoring_here = True
            while self.running or scoring_here:
                kind, payload = self.events.get()
                if kind == "failed":
                    raise payload
                if kind == "done":
                    scoring_here = False
                    continue
                if kind == "pool":
                    self.running -= 1
                    payload = payload.result()
                    self._feed()
                done, stored = payload
                total += done
                parts += stored
                if self.on_rows:
                    self.on_rows(done)
        except BaseException:
            with self.lock:
                self.todo.clear()
            self.pool.shutdown(wait=True, cancel_futures=True)
            if here.is_alive():
                here.join()
            raise
        # Every slice is stored: the workers' interpreter teardown need not be waited for.
        self.pool.shutdown(wait=False)
        return Scored(total, parts)


def _thread_limit(threads: int) -> contextlib.AbstractContextManager[Any]:
    """This thread's OpenMP/BLAS pools limited to ``threads`` (threadpoolctl, when it
    is installed and the environment sets no limit)."""
    if any(os.environ.get(name) for name in _THREAD_VARS):
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    limits: contextlib.AbstractContextManager[Any] = threadpool_limits(limits=threads)
    return limits


# -- Ray Data -----------------------------------------------------------------------------
class _RayScorer:
    """A Ray Data actor: loads the model once; scores, writes and stores each batch it
    gets (the parts are written to the actor's own temp folder, which may be on another
    machine, and removed once stored)."""

    def __init__(self, job: ScoreJob) -> None:
        self.job = job
        self.model = job.loader()
        self.root = Path(tempfile.mkdtemp(prefix="shipyard-ray-parts-"))

    def __del__(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def __call__(self, batch: Any) -> dict[str, list[Any]]:
        out = self.job.score(self.model, batch)  # a pyarrow Table: no pandas round trip
        written = write_partitioned(out, self.root, uuid.uuid4().hex[:16])
        stored = _store(self.job, self.root, written)
        # one row per part; the batch's row count rides on the first (an empty batch
        # writes no part)
        return {
            "rows": [out.num_rows if i == 0 else 0 for i in range(len(stored))],
            "path": [s.path for s in stored],
            "digest": [s.digest for s in stored],
            "size": [s.size for s in stored],
        }


@dataclass(frozen=True)
class _Part:
    path: str
    digest: str | None
    size: int


def run_ray(
    job: ScoreJob,
    workers: int,
    chunk_rows: int,
    address: str | None = None,
    on_rows: OnRows | None = None,
) -> Scored:
    """Score the input with Ray Data ``map_batches`` (a local Ray when no address is
    given, nor ``RAY_ADDRESS``)."""
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
    results = data.map_batches(
        _RayScorer,
        fn_constructor_args=(job,),
        batch_size=chunk_rows,
        batch_format="pyarrow",
        concurrency=max(workers, 1),
        num_cpus=1,
    )
    total, parts = 0, []
    batch: Any
    for batch in results.iter_batches(batch_format="pyarrow"):
        done = sum(batch.column("rows").to_pylist())
        total += done
        for path, digest, size in zip(
            *(batch.column(c).to_pylist() for c in ("path", "digest", "size")), strict=True
        ):
            parts.append(_Part(path, digest, size))
        if on_rows and done:
            on_rows(done)
    return Scored(total, parts)
