"""Formatting helpers the templates use (Jinja filters); they never emit markup."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_.-]+$")


def ts(ms: int | None) -> str:
    """Milliseconds since the epoch as ``YYYY-MM-DD HH:MM:SS`` UTC."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def duration(start: int | None, end: int | None) -> str:
    """A run's length as ``1h 02m``, ``3m 05s`` or ``4.2s``."""
    if start is None or end is None:
        return ""
    s = max(0.0, (end - start) / 1000)
    if s < 60:
        return f"{s:.1f}s"
    m, sec = divmod(int(s), 60)
    if m < 60:
        return f"{m}m {sec:02d}s"
    h, m = divmod(m, 60)
    return f"{h}h {m:02d}m"


def num(value: Any) -> str:
    """Numbers with 6 significant digits; NaN and infinities spelled out."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return f"{value:.6g}"
    return str(value)


def search_name(column: str) -> str:
    """``metrics.train/loss`` as the search language spells it: ``metrics.`train/loss```."""
    kind, _, key = column.partition(".")
    if not key or _PLAIN_KEY.match(key):
        return column
    return f"{kind}.`{key.replace('`', '')}`"


def size(n: int | None) -> str:
    """Bytes as B / KiB / MiB / GiB."""
    if n is None:
        return ""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"  # pragma: no cover
