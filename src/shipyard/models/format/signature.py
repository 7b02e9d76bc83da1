"""Model signatures: the columns (or tensor) a model takes, and checking input against them.

A signature is inferred from the input example (a DataFrame, dict, list of records or
ndarray) or given. ``Signature.prepare`` turns what a caller passes to ``predict`` into
the frame or array the model expects: columns in signature order, extra columns dropped,
safe widening (int → float, int32 → int64) applied, anything lossy refused with a
``ModelSignatureError`` naming the column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from shipyard.core.errors import InvalidInputError, ModelSignatureError

__all__ = ["ColumnSpec", "Signature", "TensorSpec", "to_frame"]

STRING, BOOL, DATETIME, CATEGORY, OBJECT = "string", "bool", "datetime", "category", "object"


def dtype_name(dtype: Any) -> str:
    """The signature type of a pandas/NumPy dtype: ``int64``, ``float32``, ``bool``,
    ``string``, ``datetime``, ``category`` or ``object``."""
    if isinstance(dtype, pd.CategoricalDtype):
        return CATEGORY
    if pd.api.types.is_bool_dtype(dtype):
        return BOOL
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return DATETIME
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        return STRING
    if pd.api.types.is_numeric_dtype(dtype):
        return str(np.dtype(dtype))
    return OBJECT


@dataclass(frozen=True)
class ColumnSpec:
    """One input column: its name and signature type."""

    name: str
    dtype: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "dtype": self.dtype}


@dataclass(frozen=True)
class TensorSpec:
    """An array input or output: dtype and shape, ``-1`` for any size (the batch)."""

    dtype: str
    shape: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"dtype": self.dtype, "shape": list(self.shape)}


def _spec_from_dict(data: Any, where: str) -> tuple[ColumnSpec, ...] | TensorSpec:
    if isinstance(data, Mapping) and "dtype" in data:
        return TensorSpec(str(data["dtype"]), tuple(int(d) for d in data.get("shape", [-1])))
    if isinstance(data, list):
        return tuple(ColumnSpec(str(c["name"]), str(c["dtype"])) for c in data)
    raise InvalidInputError(f"signature {where} must be a list of columns or a tensor spec")


@dataclass(frozen=True)
class Signature:
    """What a model takes (``inputs``) and, when known, what it returns (``outputs``)."""

    inputs: tuple[ColumnSpec, ...] | TensorSpec
    outputs: tuple[ColumnSpec, ...] | TensorSpec | None = None

    @property
    def columns(self) -> list[str]:
        """Input column names (empty for a tensor signature)."""
        return [] if isinstance(self.inputs, TensorSpec) else [c.name for c in self.inputs]

    def to_dict(self) -> dict[str, Any]:
        def side(spec: tuple[ColumnSpec, ...] | TensorSpec | None) -> Any:
            if spec is None:
                return None
            return spec.to_dict() if isinstance(spec, TensorSpec) else [c.to_dict() for c in spec]

        return {"inputs": side(self.inputs), "outputs": side(self.outputs)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Signature:
        outputs = data.get("outputs")
        return cls(
            _spec_from_dict(data.get("inputs"), "inputs"),
            None if outputs is None else _spec_from_dict(outputs, "outputs"),
        )

    @classmethod
    def infer(cls, example: Any, output: Any = None) -> Signature:
        """From an input example (and optionally an output the model gave for it)."""
        return cls(_infer_spec(example), None if output is None else _infer_spec(output))

    def with_outputs(self, output: Any) -> Signature:
        return Signature(self.inputs, _infer_spec(output))

    def prepare(self, data: Any) -> pd.DataFrame | np.ndarray:
        """Check ``data`` against the inputs; return what the model is fed."""
        if isinstance(self.inputs, TensorSpec):
            return _prepare_tensor(self.inputs, data)
        fast = self._plan.fast(data)
        return fast if fast is not None else _prepare_frame(self.inputs, data)

    @cached_property
    def _plan(self) -> _FramePlan:
        assert not isinstance(self.inputs, TensorSpec)
        return _FramePlan(self.inputs)


class _FramePlan:
    """Per-signature shortcuts for the common single-call inputs, computed once: a frame
    whose columns and dtypes already match exactly, and a dict of Python numbers for an
    all-float64 signature. Anything else returns ``None`` and takes the full check."""

    def __init__(self, columns: tuple[ColumnSpec, ...]) -> None:
        self.names = [c.name for c in columns]
        self.index = pd.Index(self.names, dtype=object)
        self.dtypes: list[np.dtype[Any]] | None = None
        if all(_numeric(c.dtype) for c in columns):
            self.dtypes = [np.dtype(c.dtype) for c in columns]
        self.all_float64 = bool(columns) and all(c.dtype == "float64" for c in columns)

    def fast(self, data: Any) -> pd.DataFrame | None:
        if isinstance(data, pd.DataFrame):
            exact = self.dtypes is not None and data.columns.tolist() == self.names
            return data if exact and data.dtypes.tolist() == self.dtypes else None
        if self.all_float64 and type(data) is dict:
            return self._from_numbers(data)
        return None

    def _from_numbers(self, record: dict[str, Any]) -> pd.DataFrame | None:
        try:
            values = [record[name] for name in self.names]
        except KeyError:
            return None  # the full check names what is missing
        # exactly float or int: int -> float is the documented safe widening; bool, str,
        # None and NumPy scalars take the full path and its checks
        if not all(type(v) is float or type(v) is int for v in values):
            return None
        row = np.array([values], dtype=np.float64)
        return pd.DataFrame(row, columns=self.index, copy=False)


def _infer_spec(example: Any) -> tuple[ColumnSpec, ...] | TensorSpec:
    if isinstance(example, np.ndarray) or _is_tensor(example):
        array = np.asarray(example)
        return TensorSpec(str(array.dtype), (-1, *array.shape[1:]))
    if isinstance(example, pd.Series):
        example = example.to_frame()
    frame = to_frame(example)
    return tuple(ColumnSpec(str(c), dtype_name(frame[c].dtype)) for c in frame.columns)


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "numpy")


def to_frame(data: Any) -> pd.DataFrame:
    """A DataFrame from a DataFrame, a dict (of scalars: one row; of lists: columns) or a
    list of records."""
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, Mapping):
        values = dict(data)
        if values and all(np.isscalar(v) or v is None for v in values.values()):
            return pd.DataFrame({k: [v] for k, v in values.items()})  # one row
        return pd.DataFrame(values)
    is_rows = isinstance(data, Sequence) and not isinstance(data, str | bytes)
    if is_rows and all(isinstance(row, Mapping) for row in data):
        return pd.DataFrame.from_records(list(data))
    raise ModelSignatureError(
        "predict takes a pandas DataFrame, a dict, a list of records (dicts) or a NumPy "
        f"array, not {type(data).__name__}"
    )


def _prepare_frame(columns: tuple[ColumnSpec, ...], data: Any) -> pd.DataFrame:
    if isinstance(data, np.ndarray) or _is_tensor(data):
        data = _frame_from_array(columns, np.asarray(data))
    frame = to_frame(data)
    missing = [c.name for c in columns if c.name not in frame.columns]
    if missing:
        raise ModelSignatureError(
            f"input is missing column {missing[0]!r}"
            + (f" (and {len(missing) - 1} more: {missing[1:6]})" if len(missing) > 1 else "")
            + f"; the model expects {[c.name for c in columns][:20]}",
            column=missing[0],
            missing=missing,
        )
    names = [c.name for c in columns]
    changed = {}
    for spec in columns:
        series = frame[spec.name]
        coerced = _coerce(series, spec)
        if coerced is not series:
            changed[spec.name] = coerced
    if not changed and list(frame.columns) == names:
        return frame  # the hot path: nothing to reorder or convert
    out = frame[names]
    return out.assign(**changed) if changed else out


def _frame_from_array(columns: tuple[ColumnSpec, ...], array: np.ndarray) -> pd.DataFrame:
    if array.ndim == 1 and len(columns) == array.shape[0]:
        array = array.reshape(1, -1)
    if array.ndim != 2 or array.shape[1] != len(columns):
        raise ModelSignatureError(
            f"an array input needs shape (n, {len(columns)}) for columns "
            f"{[c.name for c in columns][:20]}, got {array.shape}"
        )
    return pd.DataFrame(array, columns=[c.name for c in columns])


def _coerce(series: pd.Series, spec: ColumnSpec) -> pd.Series:
    """Return ``series`` as ``spec.dtype`` if that is safe, else raise naming the column."""
    have = dtype_name(series.dtype)
    want = spec.dtype
    if want in (have, OBJECT):
        return series
    if want in (STRING, CATEGORY) and have in (STRING, OBJECT, CATEGORY):
        if have == OBJECT and not series.dropna().map(lambda v: isinstance(v, str)).all():
            _mismatch(spec, have, "holds values that are not strings")
        return series
    if want == DATETIME and have == OBJECT:
        try:
            return pd.to_datetime(series)
        except (ValueError, TypeError):
            _mismatch(spec, have, "does not parse as datetimes")
    if _numeric(want) and _numeric(have):
        if _safe_cast(have, want):
            return series.astype(want)
        if np.dtype(want).kind in "iu" and np.dtype(have).kind == "f" and _integral(series):
            return series.astype(want)  # whole numbers stored as floats (e.g. from an array)
        _mismatch(spec, have, "cannot be converted without losing information")
    if _numeric(want) and have in (STRING, OBJECT, CATEGORY):
        _mismatch(spec, have, "holds text, not numbers")
    _mismatch(spec, have, "cannot be converted without losing information")
    raise AssertionError  # unreachable: _mismatch raises


def _integral(series: pd.Series) -> bool:
    values = series.to_numpy()
    return bool(np.isfinite(values).all() and (values == np.round(values)).all())


def _numeric(name: str) -> bool:
    return name == BOOL or name.startswith(("int", "uint", "float"))


def _safe_cast(have: str, want: str) -> bool:
    src, dst = np.dtype(have), np.dtype(want)
    if np.can_cast(src, dst, casting="safe"):
        return True
    return dst.kind == "f" and src.kind in "iub"  # int → float is allowed (documented)


def _mismatch(spec: ColumnSpec, have: str, why: str) -> None:
    raise ModelSignatureError(
        f"column {spec.name!r} is {have} but the model expects {spec.dtype}: it {why}",
        column=spec.name,
        expected=spec.dtype,
        got=have,
    )


def _prepare_tensor(spec: TensorSpec, data: Any) -> np.ndarray:
    if isinstance(data, pd.DataFrame):
        array = data.to_numpy()
    elif isinstance(data, list) and data and isinstance(data[0], Mapping):
        array = pd.DataFrame.from_records(data).to_numpy()
    else:
        array = np.asarray(data)
    want = np.dtype(spec.dtype)
    if array.dtype != want:
        if array.dtype.kind in "iufb" and _safe_cast(str(array.dtype), str(want)):
            array = array.astype(want)
        else:
            raise ModelSignatureError(
                f"input array is {array.dtype} but the model expects {want}",
                column=None,
                expected=str(want),
                got=str(array.dtype),
            )
    if len(spec.shape) != array.ndim or any(
        d not in (-1, a) for d, a in zip(spec.shape, array.shape, strict=False)
    ):
        raise ModelSignatureError(
            f"input array has shape {array.shape} but the model expects {spec.shape} (-1: any size)"
        )
    result: np.ndarray = array
    return result
