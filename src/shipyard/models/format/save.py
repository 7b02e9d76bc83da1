"""``save_model``: write a model's files and its ``model.yaml`` into a folder.

The saved folder is loaded back once before ``save_model`` returns (and the input
example predicted) so a model that cannot be read never gets logged, and the output
signature comes from the reloaded model rather than the live object.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from shipyard.core.errors import InvalidInputError, ModelSignatureError
from shipyard.core.timeutil import now_ms
from shipyard.models.format.flavors import SaveContext, detect_flavor, get_flavor
from shipyard.models.format.requirements import pinned
from shipyard.models.format.safety import require_unsafe_opt_in
from shipyard.models.format.signature import Signature, _is_tensor, to_frame
from shipyard.models.format.spec import ModelSpec, file_digests

__all__ = ["EXAMPLE_ROWS", "save_model"]

EXAMPLE_ROWS = 5


def save_model(
    model: Any,
    path: str | Path,
    *,
    flavor: str | None = None,
    input_example: Any = None,
    signature: Signature | Mapping[str, Any] | None = None,
    pip_requirements: Sequence[str] | None = None,
    metrics: Mapping[str, float] | None = None,
    lineage: Mapping[str, Any] | None = None,
    flavor_options: Mapping[str, Any] | None = None,
    allow_unsafe: bool = False,
) -> ModelSpec:
    """Save ``model`` into the empty (or new) folder ``path``; return its ``model.yaml``."""
    folder = Path(path)
    if folder.exists() and any(folder.iterdir()):
        raise InvalidInputError(f"{folder} is not empty; save a model into a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    chosen = get_flavor(flavor) if flavor else detect_flavor(model)
    if chosen.name == "pickle":
        require_unsafe_opt_in("flavor='pickle'", allow_unsafe, saving=True)
    example = _example_input(input_example)
    saved = chosen.save(model, folder, SaveContext(example, dict(flavor_options or {})))
    sig = _signature(signature, example)
    spec = ModelSpec(
        flavor=chosen.name,
        format=saved.format,
        files=file_digests(folder),
        flavor_info=saved.info,
        requirements=pinned(
            [*saved.distributions, "pandas", "numpy"], extra=pip_requirements or ()
        ),
        python_version=platform.python_version(),
        signature=None if sig is None else sig.to_dict(),
        input_example=None if example is None else example_to_yaml(example),
        metrics={k: float(v) for k, v in (metrics or {}).items()},
        lineage=dict(lineage or {}),
        created_at=_iso_now(),
        shipyard_version=_shipyard_version(),
    )
    spec.write(folder)
    if example is not None and sig is not None:
        _add_output_signature(folder, spec, sig, example, allow_unsafe)
    return spec


def _shipyard_version() -> str:
    import importlib.metadata as md

    try:
        return md.version("shipyard")
    except md.PackageNotFoundError:
        return ""


def _iso_now() -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(now_ms() / 1000, tz=dt.UTC).isoformat(timespec="seconds")


def _example_input(example: Any) -> Any:
    """The first rows of the example, as a DataFrame or an ndarray."""
    if example is None:
        return None
    if isinstance(example, np.ndarray) or _is_tensor(example):
        return np.asarray(example)[:EXAMPLE_ROWS]
    if isinstance(example, pd.Series):
        example = example.to_frame()
    return to_frame(example).head(EXAMPLE_ROWS)


def _signature(given: Signature | Mapping[str, Any] | None, example: Any) -> Signature | None:
    if isinstance(given, Signature):
        return given
    if given is not None:
        try:
            return Signature.from_dict(given)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelSignatureError(f"signature is malformed: {exc}") from exc
    return None if example is None else Signature.infer(example)


def _add_output_signature(
    folder: Path, spec: ModelSpec, sig: Signature, example: Any, allow_unsafe: bool
) -> None:
    from shipyard.models.format.load import load_model_dir

    # The files were written from the live object just now, so reading them back is safe.
    loaded = load_model_dir(folder, allow_unsafe=True)
    output = loaded.predict(example)
    if sig.outputs is None and isinstance(output, np.ndarray | pd.DataFrame | pd.Series):
        spec.signature = sig.with_outputs(np.asarray(output)).to_dict()
        spec.write(folder)


def example_to_yaml(example: Any) -> dict[str, Any]:
    """A JSON-safe form of the example for ``model.yaml``."""
    if isinstance(example, np.ndarray):
        return {"type": "ndarray", "dtype": str(example.dtype), "data": example.tolist()}
    records = json.loads(example.to_json(orient="records", date_format="iso"))
    return {"type": "dataframe", "data": records}


def example_from_yaml(data: Mapping[str, Any]) -> Any:
    """The example as it was given (a DataFrame or an ndarray)."""
    if data.get("type") == "ndarray":
        return np.asarray(data["data"], dtype=data.get("dtype"))
    return pd.DataFrame.from_records(data.get("data") or [])
