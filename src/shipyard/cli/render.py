"""Shared Rich helpers: consoles, tables, time and number formatting, JSON output.

Everything here is presentation only: it turns SDK objects into text.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

from shipyard.tracking.entities import encode_float

console = Console(highlight=False)
if not console.is_terminal and "COLUMNS" not in os.environ:
    # Piped or captured output: wide enough that tables are never cropped.
    console = Console(highlight=False, width=200)
"""Standard output; Rich resolves ``sys.stdout`` at print time, so test runners work."""

err_console = Console(stderr=True, highlight=False)

MISSING = "—"
_SPARK_BARS = "▁▂▃▄▅▆▇█"


# --- JSON ---------------------------------------------------------------------------------


def jsonable(value: Any) -> Any:
    """``value`` with NaN/±inf replaced by ``"NaN"``/``"Infinity"``/``"-Infinity"``."""
    if isinstance(value, float):
        return encode_float(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def dumps_json(value: Any) -> str:
    """Indented JSON text (orjson); unknown objects are written with ``str``."""
    option = orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
    return orjson.dumps(jsonable(value), default=str, option=option).decode()


def print_json(value: Any) -> None:
    """Write ``value`` as JSON to stdout, unstyled and unwrapped (safe for pipes)."""
    sys.stdout.write(dumps_json(value) + "\n")
    sys.stdout.flush()


# --- numbers, times, durations ------------------------------------------------------------


def format_float(value: float) -> str:
    """Shortest exact text of a float; NaN/inf as ``NaN``/``Infinity``/``-Infinity``."""
    encoded = encode_float(value)
    return encoded if isinstance(encoded, str) else repr(encoded)


def format_value(value: Any) -> str:
    """Compact text of a param, metric or config value for a table cell."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return format_float(value) if not math.isfinite(value) else f"{value:.6g}"
    if isinstance(value, Mapping | list | tuple):
        return orjson.dumps(jsonable(value), default=str).decode()
    return str(value)


def format_time(ms: int | None) -> str:
    """A timestamp in milliseconds as local time, ``2024-05-01 14:03:22``."""
    if ms is None:
        return MISSING
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


def format_seconds(seconds: float | None) -> str:
    """``850ms``, ``4.2s``, ``3m 05s``, ``1h 02m``, ``2d 03h``."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return MISSING
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.1f}s"
    whole = int(seconds)
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s"


def format_duration(start_ms: int, end_ms: int | None) -> str:
    """Run duration; a run without an end time shows time so far with a trailing ``…``."""
    if end_ms is None:
        now_ms = int(datetime.now().timestamp() * 1000)
        return format_seconds((now_ms - start_ms) / 1000) + "…"
    return format_seconds((end_ms - start_ms) / 1000)


def format_bytes(size: float | None) -> str:
    if size is None:
        return MISSING
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"  # pragma: no cover - the loop always returns


def short_id(run_id: str) -> str:
    return run_id[:8]


STATUS_STYLES = {"RUNNING": "cyan", "FINISHED": "green", "FAILED": "red", "KILLED": "yellow"}


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLES.get(status, ""))


# --- tables -------------------------------------------------------------------------------


def kv_table(title: str | None, rows: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> Table:
    """A two-column key/value table; values are formatted with :func:`format_value`."""
    table = Table(title=title, title_justify="left", show_header=False, box=None, pad_edge=False)
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    items = rows.items() if isinstance(rows, Mapping) else rows
    for key, value in items:
        cell = value if isinstance(value, Text) else Text(format_value(value))
        table.add_row(Text(str(key)), cell)
    return table


def section(title: str) -> Text:
    return Text(f"\n{title}", style="bold magenta")


# --- sparkline ----------------------------------------------------------------------------


def downsample(values: npt.ArrayLike, width: int) -> npt.NDArray[np.float64]:
    """``values`` reduced to at most ``width`` buckets, each the mean of its finite values.

    Non-finite values are ignored; a bucket without any finite value is NaN.
    """
    arr = np.asarray(values, dtype=np.float64)
    arr = np.where(np.isfinite(arr), arr, np.nan)
    if width <= 0:
        return arr[:0]
    if arr.size <= width:
        return arr
    starts = (np.arange(width) * arr.size) // width  # strictly increasing: size > width
    finite = np.isfinite(arr)
    sums = np.add.reduceat(np.where(finite, arr, 0.0), starts)
    counts = np.add.reduceat(finite.astype(np.int64), starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        means: npt.NDArray[np.float64] = sums / counts
    return means


def sparkline(values: npt.ArrayLike, width: int) -> str:
    """A one-line chart of block characters, scaled min→max; gaps are blanks."""
    points = downsample(values, width)
    finite = points[np.isfinite(points)]
    if finite.size == 0:
        return " " * int(points.size)
    low, high = float(finite.min()), float(finite.max())
    top = len(_SPARK_BARS) - 1
    if high == low:
        levels = np.full(points.shape, top // 2)
    else:
        scaled = np.nan_to_num((points - low) / (high - low) * top, nan=-1.0)
        levels = np.rint(scaled).astype(np.int64)
    return "".join(_SPARK_BARS[lv] if lv >= 0 else " " for lv in levels.tolist())
