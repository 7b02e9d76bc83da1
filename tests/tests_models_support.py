"""Model classes the model tests save by class path (they must live in an importable
module, not in a test file), and the small data sets they train on."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from shipyard.models import PythonModel


def classification_frame(rows: int = 200, seed: int = 0) -> pd.DataFrame:
    """Two numeric features, one integer feature, a segment column and a 0/1 label."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=rows), rng.normal(size=rows)
    count = rng.integers(0, 5, size=rows)
    noise = rng.normal(scale=0.7, size=rows)
    label = ((x1 + 0.5 * x2 + 0.2 * count + noise) > 0.4).astype(int)
    segment = np.where(rng.random(rows) < 0.5, "a", "b")
    return pd.DataFrame({"x1": x1, "x2": x2, "count": count, "segment": segment, "label": label})


def regression_frame(rows: int = 200, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=rows), rng.normal(size=rows)
    y = 3.0 * x1 - 2.0 * x2 + 10 + rng.normal(scale=0.5, size=rows)
    return pd.DataFrame({"x1": x1, "x2": x2, "y": y})


FEATURES = ["x1", "x2", "count"]


def double(x: Any) -> Any:
    """A custom function inside a scikit-learn pipeline (an untrusted type for skops)."""
    return np.asarray(x) * 2.0


class ThresholdModel(PythonModel):
    """A pyfunc model: ``x1 * weight > threshold``, the threshold read from a file."""

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight
        self.threshold = 0.0

    def get_params(self) -> dict[str, Any]:
        return {"weight": self.weight}

    def load_context(self, artifacts: Mapping[str, Path]) -> None:
        self.threshold = float(artifacts["threshold.txt"].read_text())

    def predict(self, data: Any) -> Any:
        return (data["x1"].to_numpy() * self.weight > self.threshold).astype(int)


class PlainScorer:
    """A pyfunc model without a base class or get_params: state saved as attributes."""

    def __init__(self, offset: float) -> None:
        self.offset = offset

    def predict(self, data: Any) -> Any:
        return np.asarray(data["x1"]) + self.offset


def torch_net() -> Any:
    import torch

    torch.manual_seed(0)
    return TinyNet(3, 4)


try:  # torch is an optional extra; the class exists only where it is installed
    import torch

    class TinyNet(torch.nn.Module):
        def __init__(self, inputs: int, hidden: int) -> None:
            super().__init__()
            self.hidden = torch.nn.Linear(inputs, hidden)
            self.out = torch.nn.Linear(hidden, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.out(torch.relu(self.hidden(x)))

except ImportError:  # pragma: no cover - the test command installs torch
    pass


# --- one small fitted model per flavor -------------------------------------------------


def _sklearn(df: pd.DataFrame) -> tuple[Any, Any, dict[str, Any]]:
    from sklearn.ensemble import RandomForestClassifier

    model = RandomForestClassifier(n_estimators=5, random_state=0).fit(df[FEATURES], df.label)
    return model, df[FEATURES], {}


def _xgboost(df: pd.DataFrame) -> tuple[Any, Any, dict[str, Any]]:
    import xgboost

    model = xgboost.XGBClassifier(n_estimators=5, max_depth=2).fit(df[FEATURES], df.label)
    return model, df[FEATURES], {}


def _xgboost_booster(df: pd.DataFrame) -> tuple[Any, Any, dict[str, Any]]:
    import xgboost

    dtrain = xgboost.DMatrix(df[FEATURES], label=df.label)
    booster = xgboost.train({"objective": "binary:logistic"}, dtrain, num_boost_round=5)
    return booster, df[FEATURES], {}


def _lightgbm(df: pd.DataFrame) -> tuple[Any, Any, dict[str, Any]]:
    import lightgbm

    model = lightgbm.LGBMClassifier(n_estimators=5, verbose=-1).fit(df[FEATURES], df.label)
    return model, df[FEATURES], {}


def _torch(df: pd.DataFrame) -> tuple[Any, Any, dict[str, Any]]:
    return torch_net(), df[FEATURES].to_numpy(np.float32), {}


def _torch_state(df: pd.DataFrame) -> tuple[Any, Any, dict[str, Any]]:
    opts = {"flavor_options": {"format": "state_dict", "init_kwargs": {"inputs": 3, "hidden": 4}}}
    return torch_net(), df[FEATURES].to_numpy(np.float32), opts


def _onnx(df: pd.DataFrame) -> tuple[Any, Any, dict[str, Any]]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit(df[FEATURES].astype("float32"), df.label)
    return model, df[FEATURES].astype("float32"), {"flavor": "onnx"}


def _pyfunc(df: pd.DataFrame, tmp: Path) -> tuple[Any, Any, dict[str, Any]]:
    (tmp / "threshold.txt").write_text("0.25")
    opts = {"flavor_options": {"artifacts": {"threshold.txt": tmp / "threshold.txt"}}}
    return ThresholdModel(weight=2.0), df[FEATURES], opts


def reference(model: Any, x: Any, flavor: str) -> Any:
    """What the live object predicts, to compare the reloaded model with."""
    if flavor == "torch":
        import torch

        with torch.no_grad():
            return model(torch.as_tensor(x)).numpy()
    if flavor == "onnx":
        return model.predict(x)
    if type(model).__name__ == "Booster":
        import xgboost

        return model.predict(xgboost.DMatrix(x))
    if isinstance(model, ThresholdModel):
        model.threshold = 0.25
    return model.predict(x)


FACTORIES: dict[str, tuple[str, Callable[..., Any]]] = {
    "sklearn": ("sklearn", _sklearn),
    "xgboost": ("xgboost", _xgboost),
    "xgboost-booster": ("xgboost", _xgboost_booster),
    "lightgbm": ("lightgbm", _lightgbm),
    "torchscript": ("torch", _torch),
    "torch-state-dict": ("torch", _torch_state),
    "onnx": ("onnx", _onnx),
    "pyfunc": ("pyfunc", _pyfunc),
}


def build(kind: str, df: pd.DataFrame, tmp: Path) -> tuple[str, Any, Any, dict[str, Any]]:
    flavor, factory = FACTORIES[kind]
    made = factory(df, tmp) if kind == "pyfunc" else factory(df)
    return (flavor, *made)
