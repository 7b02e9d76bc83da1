"""Packed metric blocks round-trip every float, including NaN and infinities."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shipyard.core.errors import StoreError
from shipyard.tracking.metric_codec import decode_block, encode_block

points = st.lists(
    st.tuples(
        st.integers(-(2**63), 2**63 - 1),
        st.integers(-(2**63), 2**63 - 1),
        st.floats(allow_nan=True, allow_infinity=True),
    ),
    max_size=200,
)


@given(points)
def test_blocks_round_trip(rows: list[tuple[int, int, float]]) -> None:
    steps = np.array([r[0] for r in rows], dtype=np.int64)
    stamps = np.array([r[1] for r in rows], dtype=np.int64)
    values = np.array([r[2] for r in rows], dtype=np.float64)
    s, t, v = decode_block(encode_block(steps, stamps, values))
    assert np.array_equal(s, steps)
    assert np.array_equal(t, stamps)
    assert np.array_equal(v.view(np.int64), values.view(np.int64))  # bit-exact, NaN too


def test_truncated_block_is_an_error() -> None:
    data = encode_block(np.arange(3), np.arange(3), np.ones(3))
    with pytest.raises(StoreError, match="Corrupt metric block"):
        decode_block(data[:-1])
