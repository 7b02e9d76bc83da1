"""The hot wire formats: log-batch bodies in, metric history out.

A log-batch body is parsed by orjson, never pydantic, and carries metric points in one
of two shapes (one per request)::

    {"metrics": [[key, value, step, timestamp_ms], ...]}                 # rows
    {"columns": {key: {"steps": [...], "timestamps": [...], "values": [...]}}}

plus optional ``params``, ``tags`` (objects) and ``batch_id`` (string). Values are
numbers or the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``. Both shapes become a
``MetricColumns``; a bad item gives a 400 naming it. History goes out as JSON arrays or
an Arrow IPC stream, built from numpy arrays without a Python loop per point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np
import orjson
import pyarrow as pa

from shipyard.core.errors import InvalidInputError, InvalidMetricValueError, RequestTooLargeError
from shipyard.tracking.entities import MetricColumns, MetricHistory, encode_float

ARROW_STREAM = "application/vnd.apache.arrow.stream"
MAX_POINTS_PER_REQUEST = 200_000
HISTORY_SCHEMA = pa.schema(
    [("step", pa.int64()), ("timestamp", pa.int64()), ("value", pa.float64())]
)
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_FIELDS = frozenset({"metrics", "columns", "params", "tags", "batch_id"})
_COLUMN_FIELDS = ("steps", "timestamps", "values")


@dataclass
class LogBatch:
    """A parsed log-batch body, ready for ``TrackingService.log_batch``."""

    columns: MetricColumns
    params: dict[str, Any] | None
    tags: dict[str, Any] | None
    batch_id: str | None


def parse_log_batch(body: bytes) -> LogBatch:
    """Parse and structurally check a log-batch body."""
    try:
        payload = orjson.loads(body) if body else {}
    except orjson.JSONDecodeError as exc:
        raise InvalidInputError(f"log-batch body is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise InvalidInputError("log-batch body must be a JSON object")
    unknown = sorted(set(payload) - _FIELDS)
    if unknown:
        raise InvalidInputError(
            f"Unknown log-batch field(s) {unknown}; expected metrics or columns, params, "
            "tags, batch_id",
            fields=unknown,
        )
    rows, cols = payload.get("metrics"), payload.get("columns")
    if rows is not None and cols is not None:
        raise InvalidInputError("Send metric points as either 'metrics' or 'columns', not both")
    columns = parse_columns(cols) if cols is not None else parse_rows(rows or [])
    batch_id = payload.get("batch_id")
    if batch_id is not None and not isinstance(batch_id, str):
        raise InvalidInputError("log-batch 'batch_id' must be a string", field="batch_id")
    return LogBatch(columns, _object(payload, "params"), _object(payload, "tags"), batch_id)


def _object(payload: dict[str, Any], field: str) -> dict[str, Any] | None:
    value = payload.get(field)
    if value is not None and not isinstance(value, dict):
        raise InvalidInputError(f"log-batch {field!r} must be a JSON object", field=field)
    return value


def _too_many(count: int) -> NoReturn:
    raise RequestTooLargeError(
        f"log-batch has {count} metric points; the limit is {MAX_POINTS_PER_REQUEST} per "
        "request (split the batch into several requests)",
        limit=MAX_POINTS_PER_REQUEST,
        count=count,
    )


def parse_rows(raw: Any) -> MetricColumns:
    """``[[key, value, step, timestamp_ms], ...]`` → columns, or a 400 naming the bad item."""
    if not isinstance(raw, list):
        raise InvalidInputError("log-batch 'metrics' must be a list of [key, value, step, ts]")
    if len(raw) > MAX_POINTS_PER_REQUEST:
        _too_many(len(raw))
    columns = MetricColumns()
    get = columns.get
    for index, item in enumerate(raw):
        if type(item) is not list or len(item) != 4:
            _bad_row(index, item, "must be a [key, value, step, timestamp_ms] list")
        key, value, step, ts = item
        if type(key) is not str or not key:
            _bad_row(index, item, "has a key that is not a non-empty string")
        if type(value) is not float:
            if type(value) is int:
                value = float(value)
            elif type(value) is str and value in _NON_FINITE:
                value = _NON_FINITE[value]
            else:
                _bad_row(index, item, _BAD_VALUE, InvalidMetricValueError)
        if type(step) is not int or not _INT64_MIN <= step <= _INT64_MAX:
            _bad_row(index, item, "has a step that is not a 64-bit integer")
        if type(ts) is not int or not _INT64_MIN <= ts <= _INT64_MAX:
            _bad_row(index, item, "has a timestamp that is not a 64-bit integer (ms)")
        col = get(key)
        if col is None:
            col = columns[key] = ([], [], [])
        col[0].append(step)
        col[1].append(ts)
        col[2].append(value)
    return columns


_BAD_VALUE = 'has a value that is not a number, "NaN", "Infinity" or "-Infinity"'


def _bad_row(
    index: int, item: Any, problem: str, cls: type[InvalidInputError] = InvalidInputError
) -> NoReturn:
    text = orjson.dumps(item, default=str).decode()
    shown = text if len(text) <= 120 else text[:117] + "..."
    raise cls(f"metrics[{index}] {problem}: {shown}", index=index)


def parse_columns(raw: Any) -> MetricColumns:
    """``{key: {"steps", "timestamps", "values"}}`` → columns, or a 400 naming the bad item."""
    if not isinstance(raw, dict):
        raise InvalidInputError("log-batch 'columns' must be an object keyed by metric name")
    total = 0
    for key, col in raw.items():
        if not isinstance(col, dict) or sorted(col) != sorted(_COLUMN_FIELDS):
            raise InvalidInputError(
                f"columns[{key!r}] must be an object with steps, timestamps and values",
                key=key,
            )
        lists = [col[f] for f in _COLUMN_FIELDS]
        if any(type(x) is not list for x in lists) or len({len(x) for x in lists}) != 1:
            raise InvalidInputError(
                f"columns[{key!r}]: steps, timestamps and values must be lists of one length",
                key=key,
            )
        total += len(lists[0])
    if total > MAX_POINTS_PER_REQUEST:
        _too_many(total)
    columns = MetricColumns()
    for key, col in raw.items():
        if not key:
            raise InvalidInputError("columns has an empty metric key")
        steps, stamps = col["steps"], col["timestamps"]
        _check_ints(key, "steps", steps)
        _check_ints(key, "timestamps", stamps)
        columns[key] = (steps, stamps, _floats(key, col["values"]))
    return columns


def _check_ints(key: str, field: str, xs: list[Any]) -> None:
    if all(type(x) is int for x in xs) and (
        not xs or (min(xs) >= _INT64_MIN and max(xs) <= _INT64_MAX)
    ):
        return
    for i, x in enumerate(xs):
        if type(x) is not int or not _INT64_MIN <= x <= _INT64_MAX:
            raise InvalidInputError(
                f"columns[{key!r}].{field}[{i}] is not a 64-bit integer: {x!r:.60}",
                key=key,
                index=i,
            )


def _floats(key: str, xs: list[Any]) -> list[float]:
    if all(type(x) is float for x in xs):
        return xs
    out: list[float] = []
    for i, x in enumerate(xs):
        if type(x) is float:
            out.append(x)
        elif type(x) is int:
            out.append(float(x))
        elif type(x) is str and x in _NON_FINITE:
            out.append(_NON_FINITE[x])
        else:
            raise InvalidMetricValueError(
                f"columns[{key!r}].values[{i}] {_BAD_VALUE}: {x!r:.60}", key=key, index=i
            )
    return out


def history_to_arrow(history: MetricHistory) -> memoryview:
    """One record batch in an Arrow IPC stream; the metric key is in the schema metadata.

    The stream is measured first and written once into a buffer of exactly that size
    (no growing and copying of a 24 MB buffer for a million points).
    """
    schema = HISTORY_SCHEMA.with_metadata({"key": history.key})
    batch = pa.record_batch(
        [
            pa.array(np.ascontiguousarray(history.steps, dtype=np.int64)),
            pa.array(np.ascontiguousarray(history.timestamps, dtype=np.int64)),
            pa.array(np.ascontiguousarray(history.values, dtype=np.float64)),
        ],
        schema=schema,
    )
    mock = pa.MockOutputStream()
    with pa.ipc.new_stream(mock, schema) as writer:
        writer.write_batch(batch)
    buffer = pa.allocate_buffer(mock.size())
    with pa.ipc.new_stream(pa.FixedSizeBufferWriter(buffer), schema) as writer:
        writer.write_batch(batch)
    return memoryview(buffer)


def warm_up() -> None:
    """Pay pyarrow's one-time initialisation (~0.5 s) at startup, not on a request."""
    empty = np.zeros(1, dtype=np.int64)
    history_to_arrow(MetricHistory("warm-up", empty, empty, empty.astype(np.float64)))


def history_to_json(history: MetricHistory) -> dict[str, Any]:
    """Arrays orjson serialises natively; non-finite values become strings."""
    values = np.ascontiguousarray(history.values, dtype=np.float64)
    finite = np.isfinite(values)
    rendered: Any = values
    if not finite.all():
        as_list = values.tolist()
        for i in np.flatnonzero(~finite).tolist():
            as_list[i] = encode_float(as_list[i])
        rendered = as_list
    return {
        "key": history.key,
        "steps": np.ascontiguousarray(history.steps, dtype=np.int64),
        "timestamps": np.ascontiguousarray(history.timestamps, dtype=np.int64),
        "values": rendered,
    }
