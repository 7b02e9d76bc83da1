"""A pipeline whose steps pass a scikit-learn model (importable by worker processes).

Importing ``shipyard.models`` registers the model materializer in every process that
imports this module, the step workers included."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import shipyard.models  # noqa: F401 - registers the model materializer
from shipyard.pipelines import pipeline, step


@step(cache=True)
def make_data(rows: int) -> pd.DataFrame:
    x = np.arange(rows, dtype="float64")
    return pd.DataFrame({"x": x, "y": 3.0 * x + 1.0})


@step(cache=True)
def fit(data: pd.DataFrame) -> Any:
    from sklearn.linear_model import LinearRegression

    return LinearRegression().fit(data[["x"]], data["y"])


@step(cache=True)
def score(data: pd.DataFrame, model: Any) -> dict[str, Any]:
    predicted = model.predict(data[["x"]])
    return {"type": type(model).__name__, "max_error": float(np.abs(predicted - data["y"]).max())}


@pipeline(project="model-steps")
def model_pipeline(rows: int = 20) -> Any:
    data = make_data(rows)
    return score(data, fit(data))
