"""Signatures: inference from examples, and what predict accepts, coerces and refuses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipyard.core.errors import ModelSignatureError
from shipyard.models import ColumnSpec, Signature, TensorSpec

SIG = Signature((ColumnSpec("x", "float64"), ColumnSpec("n", "int64"), ColumnSpec("s", "string")))


def test_inferred_from_a_frame_a_dict_records_and_an_array() -> None:
    frame = pd.DataFrame({"x": [1.5], "n": [2], "s": ["a"], "b": [True]})
    names = [(c.name, c.dtype) for c in Signature.infer(frame).inputs]  # type: ignore[union-attr]
    assert names == [("x", "float64"), ("n", "int64"), ("s", "string"), ("b", "bool")]
    assert Signature.infer({"x": 1.5, "n": 2}).columns == ["x", "n"]
    assert Signature.infer([{"x": 1.5}, {"x": 2.0}]).columns == ["x"]
    tensor = Signature.infer(np.zeros((4, 3, 2), dtype=np.float32)).inputs
    assert tensor == TensorSpec("float32", (-1, 3, 2))


def test_round_trips_through_a_dict() -> None:
    assert Signature.from_dict(SIG.to_dict()) == SIG


def test_accepts_every_input_shape_and_orders_columns() -> None:
    expected = pd.DataFrame({"x": [1.0], "n": [2], "s": ["a"]})
    for data in (
        {"s": "a", "n": 2, "x": 1.0, "extra": 9},
        [{"x": 1.0, "n": 2, "s": "a"}],
        pd.DataFrame({"s": ["a"], "x": [1.0], "n": [2]}),
    ):
        out = SIG.prepare(data)
        assert list(out.columns) == ["x", "n", "s"]
        pd.testing.assert_frame_equal(out.reset_index(drop=True), expected, check_dtype=False)


def test_int_is_widened_to_float() -> None:
    out = SIG.prepare({"x": 3, "n": 2, "s": "a"})
    assert out["x"].dtype == np.float64 and out["x"].iloc[0] == 3.0


def test_missing_column_is_named() -> None:
    with pytest.raises(ModelSignatureError, match="missing column 'n'") as err:
        SIG.prepare({"x": 1.0, "s": "a"})
    assert err.value.details["column"] == "n"


@pytest.mark.parametrize(
    ("data", "column", "why"),
    [
        ({"x": "high", "n": 2, "s": "a"}, "x", "holds text"),
        ({"x": 1.0, "n": 2.5, "s": "a"}, "n", "without losing information"),
        ({"x": 1.0, "n": 2, "s": 3}, "s", "is int64 but the model expects string"),
    ],
)
def test_wrong_types_are_refused_naming_the_column(data: dict, column: str, why: str) -> None:
    with pytest.raises(ModelSignatureError, match=why) as err:
        SIG.prepare(data)
    assert err.value.details["column"] == column


def test_whole_floats_go_into_integer_columns() -> None:
    """An array of floats whose values are whole numbers is safe for an int column."""
    sig = Signature((ColumnSpec("x", "float64"), ColumnSpec("n", "int64")))
    out = sig.prepare(np.array([[0.5, 2.0], [1.5, 3.0]]))
    assert out["n"].tolist() == [2, 3] and out["n"].dtype == np.int64
    with pytest.raises(ModelSignatureError, match="'n'"):
        sig.prepare(np.array([[0.5, 2.5]]))


def test_array_input_needs_the_right_width() -> None:
    with pytest.raises(ModelSignatureError, match=r"shape \(n, 3\)"):
        SIG.prepare(np.zeros((2, 5)))


def test_tensor_signature_checks_dtype_and_shape() -> None:
    sig = Signature(TensorSpec("float32", (-1, 3)))
    assert sig.prepare(np.zeros((2, 3), dtype=np.int32)).dtype == np.float32  # int → float
    with pytest.raises(ModelSignatureError, match="expects float32"):
        sig.prepare(np.zeros((2, 3), dtype=np.float64))  # float64 → float32 loses precision
    with pytest.raises(ModelSignatureError, match=r"shape \(2, 4\)"):
        sig.prepare(np.zeros((2, 4), dtype=np.float32))


def test_unsupported_input_type() -> None:
    with pytest.raises(ModelSignatureError, match="takes a pandas DataFrame"):
        SIG.prepare("x=1")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=-(2**53), max_value=2**53), min_size=1, max_size=20))
def test_int_to_float_keeps_every_value(values: list[int]) -> None:
    """Widening int64 → float64 is exact within ±2**53, the range a float holds exactly."""
    sig = Signature((ColumnSpec("x", "float64"),))
    out = sig.prepare(pd.DataFrame({"x": np.asarray(values, dtype=np.int64)}))
    assert [int(v) for v in out["x"]] == values


FLOATS = Signature((ColumnSpec("a", "float64"), ColumnSpec("b", "float64")))


def test_fast_paths_give_what_the_full_check_gives() -> None:
    frame = pd.DataFrame({"a": [1.0], "b": [2.0]})
    assert FLOATS.prepare(frame) is frame  # exact match: passed through, no copy
    out = FLOATS.prepare({"b": 2, "a": 1.5, "extra": "x"})
    assert out.columns.tolist() == ["a", "b"]
    assert out.dtypes.tolist() == [np.dtype("float64")] * 2
    assert out.iloc[0].tolist() == [1.5, 2.0]
    # the cached plan is reused and does not leak state between calls
    assert FLOATS.prepare({"a": 3.0, "b": 4.0}).iloc[0].tolist() == [3.0, 4.0]


@pytest.mark.parametrize(
    ("data", "column"),
    [
        ({"a": 1.0}, "b"),  # missing
        ({"a": "1.0", "b": 2.0}, "a"),  # text
        (pd.DataFrame({"a": [1.0], "b": ["x"]}), "b"),
    ],
)
def test_fast_paths_still_refuse_bad_input(data: object, column: str) -> None:
    with pytest.raises(ModelSignatureError) as info:
        FLOATS.prepare(data)
    assert column in str(info.value)


def test_a_frame_with_other_dtypes_is_converted_not_passed_through() -> None:
    frame = pd.DataFrame({"a": [1], "b": [2.0]})
    out = FLOATS.prepare(frame)
    assert out is not frame and out.dtypes.tolist() == [np.dtype("float64")] * 2
