"""The flavors, in detection order: the most specific libraries first, pyfunc last."""

from __future__ import annotations

from typing import Any

from shipyard.core.errors import ModelFlavorError
from shipyard.models.format.flavors.base import (
    Flavor,
    LoadContext,
    Predictor,
    SaveContext,
    SavedFlavor,
)
from shipyard.models.format.flavors.lightgbm_flavor import LightGBMFlavor
from shipyard.models.format.flavors.onnx_flavor import OnnxFlavor
from shipyard.models.format.flavors.pickle_flavor import PickleFlavor
from shipyard.models.format.flavors.pyfunc import PyfuncFlavor, PythonModel
from shipyard.models.format.flavors.sklearn_flavor import SklearnFlavor
from shipyard.models.format.flavors.torch_flavor import TorchFlavor
from shipyard.models.format.flavors.xgboost_flavor import XGBoostFlavor

__all__ = [
    "FLAVORS",
    "Flavor",
    "LoadContext",
    "Predictor",
    "PythonModel",
    "SaveContext",
    "SavedFlavor",
    "detect_flavor",
    "get_flavor",
]

FLAVORS: dict[str, Flavor] = {
    f.name: f
    for f in (
        XGBoostFlavor(),
        LightGBMFlavor(),
        SklearnFlavor(),
        TorchFlavor(),
        OnnxFlavor(),
        PyfuncFlavor(),
        PickleFlavor(),
    )
}


def get_flavor(name: str) -> Flavor:
    try:
        return FLAVORS[name]
    except KeyError:
        raise ModelFlavorError(
            f"unknown model flavor {name!r}; known: {', '.join(FLAVORS)}"
        ) from None


def detect_flavor(model: Any) -> Flavor:
    """The first flavor that recognises ``model``."""
    for flavor in FLAVORS.values():
        if flavor.detect(model):
            return flavor
    raise ModelFlavorError(
        f"cannot tell how to save a {type(model).__module__}.{type(model).__qualname__}: it "
        "has no predict method and is not a scikit-learn, XGBoost, LightGBM, PyTorch or ONNX "
        "model; pass flavor=... (flavor='pickle' with allow_unsafe=True takes anything)"
    )
