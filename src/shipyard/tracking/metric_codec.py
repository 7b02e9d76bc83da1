"""Packing of metric points into blocks: one block holds n points of one series.

Layout (little-endian): magic ``b"SYM1"``, ``uint32`` n, then n ``int64`` steps, n
``int64`` timestamps (ms) and n ``float64`` values. NaN and ±inf are kept as IEEE values.
"""

from __future__ import annotations

import struct

import numpy as np
import numpy.typing as npt

from shipyard.core.errors import StoreError

MAGIC = b"SYM1"
_HEADER = struct.Struct("<4sI")
_I8 = np.dtype("<i8")
_F8 = np.dtype("<f8")


def encode_block(
    steps: npt.NDArray[np.int64], timestamps: npt.NDArray[np.int64], values: npt.NDArray[np.float64]
) -> bytes:
    n = int(steps.shape[0])
    return b"".join(
        (
            _HEADER.pack(MAGIC, n),
            steps.astype(_I8, copy=False).tobytes(),
            timestamps.astype(_I8, copy=False).tobytes(),
            values.astype(_F8, copy=False).tobytes(),
        )
    )


def decode_block(
    data: bytes,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The (steps, timestamps, values) arrays of a block; read-only views of ``data``."""
    magic, n = _HEADER.unpack_from(data)
    if magic != MAGIC or len(data) != _HEADER.size + 24 * n:
        raise StoreError(f"Corrupt metric block ({len(data)} bytes, header {magic!r}, n={n})")
    off = _HEADER.size
    steps = np.frombuffer(data, dtype=_I8, count=n, offset=off)
    stamps = np.frombuffer(data, dtype=_I8, count=n, offset=off + 8 * n)
    values = np.frombuffer(data, dtype=_F8, count=n, offset=off + 16 * n)
    return steps, stamps, values
