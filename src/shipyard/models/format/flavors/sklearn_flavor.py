"""scikit-learn, saved with skops (no pickle) and loaded with a trusted-types check.

skops lists the types a file would instantiate that it does not trust by default;
Shipyard accepts only types from scikit-learn, NumPy and SciPy plus those the caller
names in ``trusted_types``. Anything else (a custom transformer, ``posix.system``) is
refused unless ``allow_unsafe`` is set.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shipyard.core.errors import UnsafeModelError
from shipyard.models.format.flavors.base import (
    LoadContext,
    Predictor,
    SaveContext,
    SavedFlavor,
    comes_from,
    require,
)
from shipyard.models.format.safety import unsafe_allowed

FILE = "model.skops"
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.")


def _classes(model: Any) -> list[Any] | None:
    classes = getattr(model, "classes_", None)
    return None if classes is None else list(classes.tolist())


class SklearnFlavor:
    name = "sklearn"

    def detect(self, model: Any) -> bool:
        return comes_from(model, "sklearn") and hasattr(model, "predict")

    def code_executing(self, format: str) -> bool:
        return False

    def save(self, model: Any, folder: Path, ctx: SaveContext) -> SavedFlavor:
        sio = require("skops.io", "sklearn")
        sio.dump(model, folder / FILE)
        names = getattr(model, "feature_names_in_", None)
        info = {
            "estimator": f"{type(model).__module__}.{type(model).__qualname__}",
            "classes": _classes(model),
            "feature_names": None if names is None else [str(n) for n in names],
        }
        return SavedFlavor("skops", info, ["scikit-learn", "skops", "numpy", "scipy"])

    def load(
        self, folder: Path, format: str, info: Mapping[str, Any], ctx: LoadContext
    ) -> Predictor:
        sio = require("skops.io", "sklearn")
        path = folder / FILE
        untrusted = list(sio.get_untrusted_types(file=path))
        named = set(ctx.trusted_types)
        refused = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES) and t not in named]
        if refused and not unsafe_allowed(ctx.allow_unsafe):
            raise UnsafeModelError(
                f"the skops file holds types outside scikit-learn, NumPy and SciPy: {refused}; "
                "they would be instantiated while loading. Pass trusted_types=[...] naming "
                "them if you trust their code, or allow_unsafe=True",
                types=refused,
            )
        model = sio.load(path, trusted=untrusted)
        features = info.get("feature_names")

        def feed(x: Any) -> Any:
            return x if features else _array(x)

        proba = getattr(model, "predict_proba", None)
        return Predictor(
            predict=lambda x: model.predict(feed(x)),
            predict_proba=None if proba is None else (lambda x: proba(feed(x))),
            classes=info.get("classes"),
            raw=model,
        )


def _array(x: Any) -> Any:
    return x.to_numpy() if hasattr(x, "to_numpy") else x
