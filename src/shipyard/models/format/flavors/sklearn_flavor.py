"""scikit-learn, saved with skops (no pickle) and loaded with a trusted-types check.

skops lists the types a file would instantiate that it does not trust by default;
Shipyard accepts only types from scikit-learn, NumPy and SciPy plus those the caller
names in ``trusted_types``. Anything else (a custom transformer, ``posix.system``) is
refused unless ``allow_unsafe`` is set.
"""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
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
#: combinators that only call what they wrap: skops lists the wrapped function as a
#: type of its own, which passes or fails the check by itself (scikit-learn's
#: HistGradientBoosting keeps ``partial(check_array, ...)`` when it has categorical
#: features)
TRUSTED_COMBINATORS = frozenset({"functools.partial"})


def _skops_io() -> ModuleType:
    """``skops.io``, imported without importing torch.

    Importing ``skops.io`` builds its trusted-types table with scikit-learn's
    ``all_estimators()``, whose ``pkgutil.walk_packages`` imports every package under
    ``sklearn`` to look inside, including ``sklearn.externals.array_api_compat.torch``,
    i.e. all of torch when it is installed (seconds, for a model that never uses it).
    ``walk_packages`` skips a package whose import raises ``ImportError``, so while
    skops is first imported a finder makes ``import torch`` raise one; no scikit-learn
    estimator module imports torch. Nothing changes if torch is already imported.
    """
    if "skops.io" in sys.modules or "torch" in sys.modules:
        return require("skops.io", "sklearn")
    blocker = _NoTorch()
    sys.meta_path.insert(0, blocker)
    try:
        return require("skops.io", "sklearn")
    finally:
        sys.meta_path.remove(blocker)
        # the array-API shim for torch failed half-way: do not keep it cached
        for name in [m for m in sys.modules if m.startswith(_TORCH_SHIM)]:
            del sys.modules[name]


_TORCH_SHIM = "sklearn.externals.array_api_compat.torch"


class _NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
        if fullname == "torch" or fullname.startswith("torch."):
            raise ModuleNotFoundError(
                f"{fullname} is not imported while skops loads", name=fullname
            )


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
        sio = _skops_io()
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
        sio = _skops_io()
        path = folder / FILE
        untrusted = list(sio.get_untrusted_types(file=path))
        named = set(ctx.trusted_types)
        refused = [
            t
            for t in untrusted
            if not t.startswith(TRUSTED_PREFIXES) and t not in TRUSTED_COMBINATORS | named
        ]
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
