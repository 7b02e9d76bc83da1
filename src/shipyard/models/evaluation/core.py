"""Evaluate a loaded model on a frame: overall metrics, per-slice metrics and figures.

Pure computation (no run, no store): ``shipyard.models.evaluate`` logs what this returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from shipyard.core.errors import InvalidInputError
from shipyard.models.evaluation.metrics import (
    ModelType,
    check_model_type,
    classifier_metrics,
    regressor_metrics,
)
from shipyard.models.evaluation.plots import classifier_plots, regressor_plots
from shipyard.models.format.load import LoadedModel

__all__ = ["Computed", "SliceMetrics", "compute"]

MAX_SLICE_VALUES = 50
NUMERIC_BINS = 4


@dataclass(frozen=True)
class SliceMetrics:
    """Metrics on the rows where ``column`` equals (or, binned, falls in) ``value``."""

    column: str
    value: str
    rows: int
    metrics: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "value": self.value, "rows": self.rows,
                "metrics": self.metrics}  # fmt: skip


@dataclass
class Computed:
    model_type: ModelType
    rows: int
    metrics: dict[str, float]
    skipped: dict[str, str]
    slices: list[SliceMetrics] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)


def _features(model: LoadedModel, data: pd.DataFrame, target: str) -> Any:
    if model.signature is not None and model.signature.columns:
        return data  # the signature picks its columns and drops the rest
    return data.drop(columns=[target])


def _score(
    model_type: ModelType, model: LoadedModel, y: Any, pred: Any, proba: Any
) -> tuple[dict[str, float], dict[str, str]]:
    if model_type == "classifier":
        return classifier_metrics(y, pred, proba, model.classes)
    return regressor_metrics(y, pred)


def compute(
    model: LoadedModel,
    data: pd.DataFrame,
    target: str,
    model_type: str = "classifier",
    slices: Sequence[str] | None = None,
) -> Computed:
    """Predict once on ``data`` and score the predictions overall and per slice."""
    kind = check_model_type(model_type)
    for column in [target, *(slices or [])]:
        if column not in data.columns:
            raise InvalidInputError(f"the data has no column {column!r}", column=column)
    if len(data) == 0:
        raise InvalidInputError("the evaluation data has no rows")
    x = _features(model, data, target)
    y = data[target].to_numpy()
    pred = np.asarray(model.predict(x))
    if kind == "classifier" and pred.ndim == 2 and pred.shape[1] > 1:
        raise InvalidInputError("the model returns a matrix; is it a regressor or a scorer?")
    pred = pred.reshape(len(y))
    proba = model.predict_proba(x) if kind == "classifier" and model.has_predict_proba else None
    metrics, skipped = _score(kind, model, y, pred, proba)
    result = Computed(kind, len(y), metrics, skipped)
    for column in slices or []:
        result.slices.extend(_slice(kind, model, data[column], y, pred, proba))
    if kind == "classifier":
        labels = model.classes or sorted(set(np.unique(y).tolist()) | set(pred.tolist()))
        result.figures = classifier_plots(y, pred, proba, labels)
    else:
        result.figures = regressor_plots(y, pred)
    return result


def _groups(values: pd.Series) -> pd.Series:
    """Slice keys: the values themselves, or quantile bins for many numeric values."""
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if numeric and values.nunique() > MAX_SLICE_VALUES:
        return pd.qcut(values, NUMERIC_BINS, duplicates="drop").astype(str)
    if values.nunique() > MAX_SLICE_VALUES:
        raise InvalidInputError(
            f"slice column {values.name!r} has {values.nunique()} distinct values; slices "
            f"take at most {MAX_SLICE_VALUES} (numeric columns are binned into quartiles)",
            column=str(values.name),
        )
    return values.astype(str)


def _slice(  # noqa: PLR0917
    kind: ModelType, model: LoadedModel, values: pd.Series, y: Any, pred: Any, proba: Any
) -> list[SliceMetrics]:
    keys = _groups(values).to_numpy()
    found = []
    for key in sorted(set(keys.tolist())):
        mask = keys == key
        part_proba = None if proba is None else np.asarray(proba)[mask]
        metrics, _ = _score(kind, model, y[mask], pred[mask], part_proba)
        found.append(SliceMetrics(str(values.name), str(key), int(mask.sum()), metrics))
    return found
