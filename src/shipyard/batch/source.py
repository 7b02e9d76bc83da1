"""The input of a batch run: one Parquet file, cut into slices the workers read directly.

A slice is a run of whole row groups (small groups are joined up to ``chunk_rows``) or a
row range of one large group, so a worker never reads rows it does not score except
when a group is cut: it then decodes the group up to its range start (``iter_batches``
has no seek), which is why groups are cut only as far as the workers need to share them.
Each slice is scored in pieces of at most ``chunk_rows`` rows.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from shipyard.core.errors import InvalidInputError

# Read buffer per column chunk: a huge row group is streamed, not loaded whole.
READ_BUFFER = 8 * 1024 * 1024


@dataclass(frozen=True)
class Slice:
    """Rows ``[start, stop)`` of the row groups ``groups`` read one after the other
    (``whole``: all their rows)."""

    index: int
    groups: tuple[int, ...]
    start: int
    stop: int
    whole: bool = True

    @property
    def rows(self) -> int:
        return self.stop - self.start


def open_input(path: Path) -> pq.ParquetFile:
    """The Parquet file at ``path``, or ``InvalidInputError`` saying why it cannot be read."""
    try:
        return pq.ParquetFile(path, buffer_size=READ_BUFFER, memory_map=True)
    except (OSError, pa.ArrowException) as exc:
        raise InvalidInputError(f"{path} is not a readable Parquet file: {exc}") from exc


def plan_slices(group_rows: Sequence[int], chunk_rows: int, workers: int) -> list[Slice]:
    """Slices over row groups of ``group_rows`` rows each: consecutive small groups
    joined up to ``chunk_rows``, a group larger than that kept whole unless there are
    too few slices for ``workers`` to share, then cut into equal row ranges."""
    if chunk_rows < 1:
        raise InvalidInputError(f"chunk_rows must be at least 1, not {chunk_rows}")
    total = sum(group_rows)
    # a big group is cut into slices of ``share`` rows: two per worker, so that none
    # idles while another finishes a long one (one worker streams it whole)
    share = max(chunk_rows, math.ceil(total / (2 * workers))) if workers > 1 else total
    spans: list[tuple[tuple[int, ...], int, int, bool]] = []
    pending: list[int] = []
    pending_rows = 0
    for group, rows in enumerate(group_rows):
        if rows == 0:
            continue
        if pending and pending_rows + rows > chunk_rows:
            spans.append((tuple(pending), 0, pending_rows, True))
            pending, pending_rows = [], 0
        if rows > chunk_rows:
            cuts = math.ceil(rows / share)
            bounds = [round(i * rows / cuts) for i in range(cuts + 1)]
            spans.extend(((group,), a, b, cuts == 1) for a, b in itertools.pairwise(bounds))
            continue
        pending.append(group)
        pending_rows += rows
    if pending:
        spans.append((tuple(pending), 0, pending_rows, True))
    return [Slice(i, *span) for i, span in enumerate(spans)]


def read_slice(file: pq.ParquetFile, part: Slice, chunk_rows: int) -> Iterator[pa.Table]:
    """The rows of ``part`` in tables of at most ``chunk_rows`` rows."""
    if part.whole and part.rows <= chunk_rows:
        yield file.read_row_groups(list(part.groups), use_threads=False)
        return
    seen = 0  # rows of the groups streamed so far
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    batches = file.iter_batches(
        batch_size=chunk_rows, row_groups=list(part.groups), use_threads=False
    )
    for batch in batches:
        lo, hi = max(part.start - seen, 0), min(part.stop - seen, batch.num_rows)
        seen += batch.num_rows
        if hi <= lo:
            if seen >= part.stop:
                break
            continue
        pending.append(batch.slice(lo, hi - lo))
        pending_rows += hi - lo
        if pending_rows >= chunk_rows:
            yield _take(pending, chunk_rows)
            pending_rows -= chunk_rows
        if seen >= part.stop:
            break
    while pending_rows > 0:
        size = min(pending_rows, chunk_rows)
        yield _take(pending, size)
        pending_rows -= size


def _take(pending: list[pa.RecordBatch], rows: int) -> pa.Table:
    """The first ``rows`` rows of ``pending`` as a table; they are removed from it."""
    taken: list[pa.RecordBatch] = []
    need = rows
    while need > 0:
        batch = pending[0]
        if batch.num_rows <= need:
            taken.append(pending.pop(0))
            need -= batch.num_rows
        else:
            taken.append(batch.slice(0, need))
            pending[0] = batch.slice(need)
            need = 0
    return pa.Table.from_batches(taken)
