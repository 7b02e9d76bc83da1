"""The candidate forecasters and how they are scored.

* ``SeasonalNaive``: tomorrow's demand at a half-hour is last week's at that half-hour
  (a ``PythonModel``, stored as its class path and one JSON attribute);
* ``linear_model()``: ridge regression on one-hot half-hour and day of week plus the
  lags and the work day flag (scikit-learn, stored with skops);
* ``boosting_model()``: scikit-learn's ``HistGradientBoostingRegressor`` on the same
  columns (no optional extra needed), with per-iteration validation curves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from shipyard.models import PythonModel

__all__ = [
    "FEATURES",
    "TARGET",
    "VALIDATION_DAYS",
    "SeasonalNaive",
    "boosting_model",
    "forecast_figure",
    "linear_model",
    "one_thread",
    "scores",
    "split",
]

TARGET = "demand"
FEATURES = [
    "half_hour",
    "day_of_week",
    "workday",
    "demand_lag_1d",
    "demand_lag_1w",
    "temperature_lag_1d",
    "temperature_lag_1w",
]
VALIDATION_DAYS = 28


class SeasonalNaive(PythonModel):
    """Predicts the value of ``column``: by default demand one week earlier."""

    def __init__(self, column: str = "demand_lag_1w") -> None:
        self.column = column

    def predict(self, data: Any) -> Any:
        return np.asarray(pd.DataFrame(data)[self.column], dtype="float64")


@contextmanager
def one_thread() -> Iterator[None]:
    """Native thread pools (OpenMP, BLAS) limited to one thread: the candidates train
    in parallel processes already, and OpenMP threads spinning on a busy machine make a
    fit many times slower."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


def linear_model(alpha: float = 1.0) -> Any:
    """Ridge regression with one-hot half-hour and day of week."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    categorical = ["half_hour", "day_of_week"]
    numeric = [c for c in FEATURES if c not in categorical]
    columns = ColumnTransformer(
        [
            ("onehot", OneHotEncoder(handle_unknown="ignore"), categorical),
            ("scale", StandardScaler(), numeric),
        ]
    )
    return Pipeline([("columns", columns), ("ridge", Ridge(alpha=alpha))])


def boosting_model(max_iter: int, learning_rate: float) -> Any:
    """Gradient boosting with a fixed number of iterations (curves come from
    ``staged_predict``), reproducible with ``random_state=0``."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(
        max_iter=max_iter,
        learning_rate=learning_rate,
        max_leaf_nodes=31,
        early_stopping=False,
        categorical_features=[FEATURES.index("day_of_week")],
        random_state=0,
    )


def split(data: pd.DataFrame, days: int = VALIDATION_DAYS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(train, validation)``: the last ``days`` days are the validation period."""
    cut = pd.Timestamp(data["event_timestamp"].max()).normalize() - pd.Timedelta(days=days - 1)
    late = data["event_timestamp"] >= cut
    return data.loc[~late].reset_index(drop=True), data.loc[late].reset_index(drop=True)


def scores(actual: Any, predicted: Any) -> dict[str, float]:
    """MAE and RMSE (GW) and MAPE (%)."""
    y = np.asarray(actual, dtype="float64")
    p = np.asarray(predicted, dtype="float64")
    error = p - y
    return {
        "mae": float(np.mean(np.abs(error))),
        "rmse": float(np.sqrt(np.mean(error**2))),
        "mape": float(np.mean(np.abs(error) / np.abs(y)) * 100.0),
    }


def forecast_figure(validation: pd.DataFrame, predicted: Any, title: str) -> Any:
    """A Plotly figure of forecast against actual demand over the validation period."""
    import plotly.graph_objects as go

    times = validation["event_timestamp"]
    figure = go.Figure()
    figure.add_scatter(x=times, y=validation[TARGET], name="actual", mode="lines")
    figure.add_scatter(x=times, y=np.asarray(predicted), name="forecast", mode="lines")
    figure.update_layout(title=title, xaxis_title="time", yaxis_title="demand (GW)")
    return figure
