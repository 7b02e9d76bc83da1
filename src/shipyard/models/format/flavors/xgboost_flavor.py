"""XGBoost in its native UBJSON format (``save_model``), for Boosters and the sklearn API."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shipyard.core.errors import ModelFormatError
from shipyard.models.format.flavors.base import (
    LoadContext,
    Predictor,
    SaveContext,
    SavedFlavor,
    comes_from,
    require,
)

FILE = "model.ubj"
# The only classes a model.yaml may name: never an arbitrary import.
KINDS = ("Booster", "XGBClassifier", "XGBRegressor", "XGBRanker", "XGBRFClassifier",
         "XGBRFRegressor")  # fmt: skip


class XGBoostFlavor:
    name = "xgboost"

    def detect(self, model: Any) -> bool:
        return comes_from(model, "xgboost")

    def code_executing(self, format: str) -> bool:
        return False

    def save(self, model: Any, folder: Path, ctx: SaveContext) -> SavedFlavor:
        require("xgboost", "xgboost")
        kind = type(model).__name__
        if kind not in KINDS:
            kind = "Booster" if hasattr(model, "save_raw") else kind
        if kind not in KINDS:
            raise ModelFormatError(f"XGBoost class {kind} is not supported; use one of {KINDS}")
        model.save_model(str(folder / FILE))
        classes = getattr(model, "classes_", None)
        info = {"kind": kind, "classes": None if classes is None else classes.tolist()}
        return SavedFlavor("ubj", info, ["xgboost", "numpy"])

    def load(
        self, folder: Path, format: str, info: Mapping[str, Any], ctx: LoadContext
    ) -> Predictor:
        xgb = require("xgboost", "xgboost")
        kind = info.get("kind")
        if kind not in KINDS:
            raise ModelFormatError(f"model.yaml names XGBoost class {kind!r}; expected {KINDS}")
        model = getattr(xgb, str(kind))()
        model.load_model(str(folder / FILE))
        if kind == "Booster":
            return Predictor(predict=lambda x: model.predict(xgb.DMatrix(x)), raw=model)
        proba = getattr(model, "predict_proba", None)
        return Predictor(
            predict=model.predict,
            predict_proba=proba,
            classes=info.get("classes"),
            raw=model,
        )
