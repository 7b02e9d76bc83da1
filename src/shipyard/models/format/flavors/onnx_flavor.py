"""ONNX, run with onnxruntime. An ``onnx.ModelProto`` is saved as is; a scikit-learn
model with ``flavor="onnx"`` is converted with skl2onnx (the input example gives the
input type). Classifier probabilities come out as a tensor (no ZipMap)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from shipyard.core.errors import ModelFlavorError
from shipyard.models.format.flavors.base import (
    LoadContext,
    Predictor,
    SaveContext,
    SavedFlavor,
    comes_from,
    require,
)

FILE = "model.onnx"
ORT_TYPES = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(bool)": np.bool_,
}


class OnnxFlavor:
    name = "onnx"

    def detect(self, model: Any) -> bool:
        return comes_from(model, "onnx") and hasattr(model, "graph")

    def code_executing(self, format: str) -> bool:
        return False

    def save(self, model: Any, folder: Path, ctx: SaveContext) -> SavedFlavor:
        onnx = require("onnx", "onnx")
        used = ["onnx", "onnxruntime", "numpy"]
        classes = None
        if not self.detect(model):
            classes = getattr(model, "classes_", None)
            model = _convert_sklearn(model, ctx.input_example)
            used.append("skl2onnx")
        onnx.save(model, str(folder / FILE))
        info = {"classes": None if classes is None else classes.tolist()}
        return SavedFlavor("onnx", info, used)

    def load(
        self, folder: Path, format: str, info: Mapping[str, Any], ctx: LoadContext
    ) -> Predictor:
        ort = require("onnxruntime", "onnx")
        session = ort.InferenceSession(str(folder / FILE), providers=["CPUExecutionProvider"])
        first = session.get_inputs()[0]
        dtype = ORT_TYPES.get(first.type, np.float32)
        outputs = [o.name for o in session.get_outputs()]

        def run(x: Any) -> list[Any]:
            array = x.to_numpy() if hasattr(x, "to_numpy") else np.asarray(x)
            result: list[Any] = session.run(outputs, {first.name: array.astype(dtype)})
            return result

        has_proba = len(outputs) > 1
        return Predictor(
            predict=lambda x: run(x)[0],
            predict_proba=(lambda x: run(x)[1]) if has_proba else None,
            classes=info.get("classes"),
            raw=session,
        )


def _convert_sklearn(model: Any, example: Any) -> Any:
    if not comes_from(model, "sklearn"):
        raise ModelFlavorError(
            f"flavor 'onnx' takes an onnx.ModelProto or a scikit-learn model, not "
            f"{type(model).__name__}"
        )
    if example is None:
        raise ModelFlavorError("converting a scikit-learn model to ONNX needs input_example=")
    skl2onnx = require("skl2onnx", "onnx")
    array = example.to_numpy() if hasattr(example, "to_numpy") else np.asarray(example)
    final = model.steps[-1][1] if hasattr(model, "steps") else model
    options = {id(final): {"zipmap": False}} if hasattr(final, "classes_") else None
    return skl2onnx.to_onnx(model, array.astype(np.float32), options=options)
