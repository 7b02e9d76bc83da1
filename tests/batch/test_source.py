"""Cutting an input Parquet file into slices and reading them back, whatever its row
groups look like."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shipyard.batch import open_input, plan_slices, read_slice
from shipyard.core.errors import InvalidInputError


def _write(path: Path, groups: list[int]) -> pa.Table:
    """A file whose row groups hold ``groups`` rows each (``id`` counts the rows)."""
    start = 0
    schema = pa.schema([("id", pa.int64()), ("x", pa.float64())])
    with pq.ParquetWriter(path, schema) as w:
        for rows in groups:
            ids = list(range(start, start + rows))
            table = pa.table({"id": ids, "x": [i / 2 for i in ids]}, schema=schema)
            w.write_table(table, row_group_size=rows or 1)
            start += rows
    return pq.read_table(path)


LAYOUTS = {
    "one row per group": [1] * 23,
    "uneven groups": [1, 13, 0, 40, 6, 2],
    "one big group": [60],
    "groups just over the chunk": [9, 9, 9],
    "many small then a big one": [3, 3, 3, 50],
}


@pytest.mark.parametrize("groups", list(LAYOUTS.values()), ids=list(LAYOUTS))
@pytest.mark.parametrize("workers", [1, 2, 4])
def test_slices_cover_every_row_once_in_order(
    tmp_path: Path, groups: list[int], workers: int
) -> None:
    whole = _write(tmp_path / "in.parquet", groups)
    file = open_input(tmp_path / "in.parquet")
    sizes = [file.metadata.row_group(i).num_rows for i in range(file.metadata.num_row_groups)]
    slices = plan_slices(sizes, chunk_rows=8, workers=workers)
    assert [s.index for s in slices] == list(range(len(slices)))
    pieces = [t for s in slices for t in read_slice(file, s, chunk_rows=8)]
    assert all(0 < t.num_rows <= 8 for t in pieces)
    assert pa.concat_tables(pieces).to_pydict() == whole.to_pydict()
    assert sum(s.rows for s in slices) == whole.num_rows


def test_small_groups_are_joined_and_large_ones_kept_whole() -> None:
    slices = plan_slices([3, 3, 3, 50, 2], chunk_rows=8, workers=1)
    assert [(s.groups, s.start, s.stop, s.whole) for s in slices] == [
        ((0, 1), 0, 6, True),
        ((2,), 0, 3, True),
        ((3,), 0, 50, True),
        ((4,), 0, 2, True),
    ]


def test_a_big_group_is_cut_when_the_workers_would_otherwise_idle() -> None:
    slices = plan_slices([100], chunk_rows=10, workers=2)
    assert [(s.start, s.stop) for s in slices] == [(0, 25), (25, 50), (50, 75), (75, 100)]
    assert not any(s.whole for s in slices)


def test_bad_input_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="chunk_rows"):
        plan_slices([10], chunk_rows=0, workers=1)
    (tmp_path / "not.parquet").write_text("id,x\n1,2\n")
    with pytest.raises(InvalidInputError, match="not a readable Parquet file"):
        open_input(tmp_path / "not.parquet")
