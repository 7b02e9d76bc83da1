"""Pickle (cloudpickle when installed): any Python object, and code that runs on load.

Saving and loading both need ``allow_unsafe=True`` (or SHIPYARD_ALLOW_UNSAFE_MODELS=1)."""

from __future__ import annotations

import importlib
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shipyard.models.format.flavors.base import LoadContext, Predictor, SaveContext, SavedFlavor
from shipyard.models.format.safety import require_unsafe_opt_in

FILE = "model.pkl"


def _pickler() -> tuple[Any, str]:
    try:
        return importlib.import_module("cloudpickle"), "cloudpickle"
    except ImportError:
        return pickle, "pickle"


class PickleFlavor:
    name = "pickle"

    def detect(self, model: Any) -> bool:
        return False  # never chosen automatically

    def code_executing(self, format: str) -> bool:
        return True

    def save(self, model: Any, folder: Path, ctx: SaveContext) -> SavedFlavor:
        module, fmt = _pickler()
        with (folder / FILE).open("wb") as fh:
            module.dump(model, fh)
        return SavedFlavor(fmt, {}, [fmt] if fmt == "cloudpickle" else [], code_executing=True)

    def load(
        self, folder: Path, format: str, info: Mapping[str, Any], ctx: LoadContext
    ) -> Predictor:
        require_unsafe_opt_in(f"a {format} model", ctx.allow_unsafe)
        with (folder / FILE).open("rb") as fh:
            model = pickle.load(fh)  # the caller opted in above
        proba = getattr(model, "predict_proba", None)
        classes = getattr(model, "classes_", None)
        return Predictor(
            predict=model.predict,
            predict_proba=proba,
            classes=None if classes is None else list(classes),
            raw=model,
        )
