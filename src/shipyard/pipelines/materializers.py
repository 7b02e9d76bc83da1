"""Materializers: how a step's return value becomes files of an artifact version, and
back. Built in: pandas DataFrame → Parquet, numpy array → ``.npy`` (no pickled
objects), JSON values → ``.json``, ``str`` → ``.txt``, ``bytes`` → ``.bin``. Anything
else needs a registered materializer (``shipyard.models`` registers one for models), or
the step's explicit ``pickle=True``."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipyard.core.errors import UnsupportedOutputError

__all__ = ["Materializer", "load_value", "materializer_for", "register_materializer", "save_value"]


@dataclass(frozen=True)
class Materializer:
    """``matches(value)`` picks it; ``save(value, folder)`` writes ``file`` (a file or a
    folder) in the folder; ``load(path)`` reads it back; ``artifact_type`` is the
    artifact's type. ``module`` is the module whose import registers it: recorded with
    each stored value, so a process that has not imported it yet (a fresh worker, the
    CLI) imports it to load the value."""

    name: str
    file: str
    artifact_type: str
    matches: Callable[[Any], bool]
    save: Callable[[Any, Path], object]
    load: Callable[[Path], Any]
    module: str | None = None


def _is_frame(value: Any) -> bool:
    pd = _module("pandas")
    return pd is not None and isinstance(value, pd.DataFrame)


def _is_array(value: Any) -> bool:
    np = _module("numpy")
    return np is not None and isinstance(value, np.ndarray) and value.dtype != object


def _module(name: str) -> Any:
    import sys

    return sys.modules.get(name)


def _save_frame(value: Any, path: Path) -> None:
    value.to_parquet(path, engine="pyarrow", index=True)


def _load_frame(path: Path) -> Any:
    import pandas as pd

    return pd.read_parquet(path, engine="pyarrow")


def _save_array(value: Any, path: Path) -> None:
    import numpy as np

    with path.open("wb") as f:
        np.save(f, value, allow_pickle=False)


def _load_array(path: Path) -> Any:
    import numpy as np

    return np.load(path, allow_pickle=False)


def _is_json(value: Any) -> bool:
    if not isinstance(value, dict | list | int | float | bool) and value is not None:
        return False
    try:
        json.dumps(value, allow_nan=True)
    except (TypeError, ValueError):
        return False
    return True


def _save_json(value: Any, path: Path) -> None:
    path.write_text(json.dumps(value, allow_nan=True, sort_keys=True))


def _save_pickle(value: Any, path: Path) -> None:
    with path.open("wb") as f:
        pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)


def _load_pickle(path: Path) -> Any:
    with path.open("rb") as f:
        return pickle.load(f)


_BUILTIN = [
    Materializer("parquet", "value.parquet", "dataset", _is_frame, _save_frame, _load_frame),
    Materializer("numpy", "value.npy", "dataset", _is_array, _save_array, _load_array),
    Materializer(
        "text",
        "value.txt",
        "pipeline-output",
        lambda v: isinstance(v, str),
        lambda v, p: p.write_text(v, encoding="utf-8"),
        lambda p: p.read_text(encoding="utf-8"),
    ),
    Materializer(
        "bytes",
        "value.bin",
        "pipeline-output",
        lambda v: isinstance(v, bytes | bytearray),
        lambda v, p: p.write_bytes(bytes(v)),
        lambda p: p.read_bytes(),
    ),
    Materializer(
        "json",
        "value.json",
        "pipeline-output",
        _is_json,
        _save_json,
        lambda p: json.loads(p.read_text()),
    ),
]
_PICKLE = Materializer(
    "pickle", "value.pkl", "pipeline-output", lambda _v: True, _save_pickle, _load_pickle
)
_registered: list[Materializer] = []


def register_materializer(materializer: Materializer) -> None:
    """Add a materializer; registered ones are tried before the built-in ones (the
    latest first). Registering one with the name of a registered one replaces it."""
    _registered[:] = [m for m in _registered if m.name != materializer.name]
    _registered.insert(0, materializer)


def _all() -> list[Materializer]:
    return [*_registered, *_BUILTIN, _PICKLE]


def materializer_for(value: Any, *, allow_pickle: bool = False) -> Materializer:
    for m in _registered + _BUILTIN:
        if m.matches(value):
            return m
    if allow_pickle:
        return _PICKLE
    raise UnsupportedOutputError(
        f"No materializer stores a {type(value).__module__}.{type(value).__qualname__}: "
        "return a DataFrame, numpy array, JSON value, str or bytes, register a "
        "materializer (models: `import shipyard.models` in the step's module registers "
        "one), or opt in with @step(pickle=True)",
        python_type=type(value).__qualname__,
    )


def save_value(value: Any, folder: Path, *, allow_pickle: bool = False) -> dict[str, Any]:
    """Write ``value`` into ``folder``; returns what ``load_value`` needs."""
    m = materializer_for(value, allow_pickle=allow_pickle)
    folder.mkdir(parents=True, exist_ok=True)
    m.save(value, folder / m.file)
    kind = type(value)
    info = {
        "materializer": m.name,
        "file": m.file,
        "artifact_type": m.artifact_type,
        "python_type": f"{kind.__module__}.{kind.__qualname__}",
    }
    if m.module:
        info["module"] = m.module
    return info


def load_value(folder: Path, info: Mapping[str, Any], *, allow_pickle: bool = False) -> Any:
    """Read a value written by ``save_value`` (``info`` is what it returned)."""
    name = info.get("materializer")
    if name == "pickle" and not allow_pickle:
        raise UnsupportedOutputError(
            "This input was pickled; the consuming step must opt in with @step(pickle=True)"
        )
    found = _named(name) or _named(name, info.get("module"))
    if found is None:
        raise UnsupportedOutputError(f"No materializer named {name!r} is registered")
    return found.load(folder / str(info.get("file", found.file)))


def _named(name: Any, module: Any = None) -> Materializer | None:
    """The materializer called ``name``, after importing ``module`` when given (the
    module recorded by ``save_value``, whose import registers it)."""
    if module:
        import importlib

        try:
            importlib.import_module(str(module))
        except ImportError as exc:
            raise UnsupportedOutputError(
                f"Materializer {name!r} comes from {module!r}, which cannot be imported: {exc}"
            ) from exc
    return next((m for m in _all() if m.name == name), None)


def describe(info: Mapping[str, Any]) -> str:
    """A short label of a stored value for the CLI."""
    return f"{info.get('materializer', '?')} ({info.get('python_type', '?')})"
