"""Materializers: values survive a round trip, and nothing is pickled without opt-in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipyard.core.errors import UnsupportedOutputError
from shipyard.pipelines.materializers import load_value, save_value


def _round_trip(value: Any, folder: Path, **kw: Any) -> tuple[Any, dict[str, Any]]:
    info = save_value(value, folder, **kw)
    return load_value(folder, info, **kw), info


def test_dataframe_is_parquet(tmp_path: Path) -> None:
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}, index=[10, 20])
    back, info = _round_trip(df, tmp_path)
    assert info["materializer"] == "parquet" and info["artifact_type"] == "dataset"
    pd.testing.assert_frame_equal(back, df)
    assert (tmp_path / "value.parquet").exists()


def test_ndarray_is_npy_without_pickle(tmp_path: Path) -> None:
    arr = np.arange(12, dtype=np.float32).reshape(3, 4)
    back, info = _round_trip(arr, tmp_path)
    assert info["materializer"] == "numpy"
    np.testing.assert_array_equal(back, arr)
    assert back.dtype == np.float32


def test_object_arrays_and_unknown_objects_need_pickle(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedOutputError, match="pickle=True"):
        save_value(np.array([object()]), tmp_path / "a")
    with pytest.raises(UnsupportedOutputError, match="set"):
        save_value({1, 2}, tmp_path / "b")
    back, info = _round_trip({1, 2}, tmp_path / "c", allow_pickle=True)
    assert back == {1, 2} and info["materializer"] == "pickle"
    with pytest.raises(UnsupportedOutputError, match="opt in"):
        load_value(tmp_path / "c", info)


@pytest.mark.parametrize(("value", "kind"), [("héllo", "text"), (b"\x00\xff", "bytes")])
def test_text_and_bytes(tmp_path: Path, value: Any, kind: str) -> None:
    back, info = _round_trip(value, tmp_path)
    assert back == value and info["materializer"] == kind


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None)
@given(
    value=st.dictionaries(st.text(), json_values, max_size=5) | st.lists(json_values, max_size=5)
)
def test_json_values_round_trip(tmp_path_factory: pytest.TempPathFactory, value: Any) -> None:
    folder = tmp_path_factory.mktemp("json")
    back, info = _round_trip(value, folder)
    assert info["materializer"] == "json" and back == value
