"""LightGBM in its native text format; sklearn-API classifiers keep their class labels."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from shipyard.models.format.flavors.base import (
    LoadContext,
    Predictor,
    SaveContext,
    SavedFlavor,
    comes_from,
    require,
)

FILE = "model.txt"


class LightGBMFlavor:
    name = "lightgbm"

    def detect(self, model: Any) -> bool:
        return comes_from(model, "lightgbm")

    def code_executing(self, format: str) -> bool:
        return False

    def save(self, model: Any, folder: Path, ctx: SaveContext) -> SavedFlavor:
        require("lightgbm", "lightgbm")
        booster = getattr(model, "booster_", model)
        booster.save_model(str(folder / FILE))
        classes = getattr(model, "classes_", None)
        kind = "classifier" if classes is not None else "regressor"
        if booster is model:
            kind = "booster"
        info = {"kind": kind, "classes": None if classes is None else classes.tolist()}
        return SavedFlavor("text", info, ["lightgbm", "numpy"])

    def load(
        self, folder: Path, format: str, info: Mapping[str, Any], ctx: LoadContext
    ) -> Predictor:
        lgb = require("lightgbm", "lightgbm")
        booster = lgb.Booster(model_file=str(folder / FILE))
        classes = info.get("classes")
        if info.get("kind") != "classifier" or not classes:
            return Predictor(predict=booster.predict, raw=booster)
        labels = np.asarray(classes)

        def proba(x: Any) -> Any:
            p = np.asarray(booster.predict(x))
            return np.column_stack([1.0 - p, p]) if p.ndim == 1 else p

        return Predictor(
            predict=lambda x: labels[np.argmax(proba(x), axis=1)],
            predict_proba=proba,
            classes=list(classes),
            raw=booster,
        )
