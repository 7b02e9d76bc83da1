"""Input rules for keys, names, params and metric values, and config flattening."""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Mapping
from typing import Any

from shipyard.core.errors import InvalidInputError, InvalidMetricValueError

MAX_KEY_LENGTH = 250
MAX_NAME_LENGTH = 256
MAX_PARAM_VALUE_LENGTH = 6000
MAX_TAG_VALUE_LENGTH = 65_536


def check_key(key: Any, what: str) -> str:
    """A metric/param/tag key: a non-empty string of at most 250 characters."""
    if not isinstance(key, str) or not key:
        raise InvalidInputError(f"{what} key must be a non-empty string, got {key!r}")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInputError(
            f"{what} key {key[:40]!r}… is {len(key)} characters; the limit is {MAX_KEY_LENGTH}"
        )
    if "\x00" in key:
        raise InvalidInputError(f"{what} key {key!r} contains a NUL character")
    return key


def check_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError(f"{what} name must be a non-empty string, got {name!r}")
    if len(name) > MAX_NAME_LENGTH or "\x00" in name:
        raise InvalidInputError(
            f"{what} name {name[:40]!r} is too long or has a NUL (limit {MAX_NAME_LENGTH})"
        )
    return name


def metric_value(key: str, value: Any) -> float:
    """Convert a metric value to float or raise an error naming the key."""
    if type(value) is float:
        return value
    if isinstance(value, numbers.Real):
        return float(value)
    raise InvalidMetricValueError(
        f"Metric {key!r} must be a real number, got {type(value).__name__} {value!r:.60}"
    )


def param_value(key: str, value: Any) -> str:
    """Params are stored as strings; dicts and lists as JSON."""
    text = value if isinstance(value, str) else _to_text(value)
    if len(text) > MAX_PARAM_VALUE_LENGTH:
        raise InvalidInputError(
            f"Param {key!r} value is {len(text)} characters; the limit is {MAX_PARAM_VALUE_LENGTH}"
        )
    return text


def tag_value(key: str, value: Any) -> str:
    text = value if isinstance(value, str) else _to_text(value)
    if len(text) > MAX_TAG_VALUE_LENGTH:
        raise InvalidInputError(
            f"Tag {key!r} value is {len(text)} characters; the limit is {MAX_TAG_VALUE_LENGTH}"
        )
    return text


def _to_text(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, default=str, sort_keys=True)
    return str(value)


def flatten_config(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts become dotted keys: ``{"opt": {"lr": 0.1}}`` → ``{"opt.lr": 0.1}``."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        full = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten_config(value, prefix=f"{full}."))
        else:
            flat[full] = value
    return flat


def json_safe(data: Any, what: str) -> str:
    """Serialise a config/summary/system dict to JSON or say what cannot be stored."""
    try:
        return json.dumps(data, allow_nan=True, default=_default)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{what} is not JSON-serialisable: {exc}") from exc


def _default(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return value.tolist()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    raise TypeError(f"{type(value).__name__} {value!r:.60}")
