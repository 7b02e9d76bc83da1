"""Model classes the model tests save by class path (they must live in an importable
module, not in a test file), and the small data sets they train on."""

from __future__ import annotations

from collections.abc import Mapping
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
