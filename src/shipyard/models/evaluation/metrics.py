"""Standard metrics, computed with scikit-learn.

Classifier: accuracy, precision, recall, F1 (binary: of the positive class, the second
of the sorted labels; multiclass: macro averages), ROC AUC (binary, or one-vs-rest macro)
and log loss when the model gives probabilities. Regressor: RMSE, MAE, MAPE, R².
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from shipyard.core.errors import InvalidInputError

__all__ = [
    "CLASSIFIER_METRICS",
    "REGRESSOR_METRICS",
    "ModelType",
    "check_model_type",
    "classifier_metrics",
    "regressor_metrics",
]

ModelType = Literal["classifier", "regressor"]
CLASSIFIER_METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss")
REGRESSOR_METRICS = ("rmse", "mae", "mape", "r2")
LOWER_IS_BETTER = frozenset({"log_loss", "rmse", "mae", "mape"})


def check_model_type(model_type: str) -> ModelType:
    if model_type == "classifier":
        return "classifier"
    if model_type == "regressor":
        return "regressor"
    raise InvalidInputError(f"model_type must be 'classifier' or 'regressor', not {model_type!r}")


def classifier_metrics(
    y_true: Any, y_pred: Any, proba: Any = None, classes: Sequence[Any] | None = None
) -> tuple[dict[str, float], dict[str, str]]:
    """``(metrics, skipped)``: skipped names a metric it could not compute, and why."""
    from sklearn import metrics as skm

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    labels = _labels(y_true, y_pred, classes)
    binary = len(labels) == 2
    avg: dict[str, Any] = (
        {"average": "binary", "pos_label": labels[1]} if binary else {"average": "macro"}
    )
    out = {
        "accuracy": float(skm.accuracy_score(y_true, y_pred)),
        "precision": float(skm.precision_score(y_true, y_pred, zero_division=0, **avg)),
        "recall": float(skm.recall_score(y_true, y_pred, zero_division=0, **avg)),
        "f1": float(skm.f1_score(y_true, y_pred, zero_division=0, **avg)),
    }
    skipped: dict[str, str] = {}
    if proba is None:
        skipped["roc_auc"] = skipped["log_loss"] = "the model gives no class probabilities"
        return out, skipped
    proba = np.asarray(proba, dtype=float)
    if len(np.unique(y_true)) < 2:
        skipped["roc_auc"] = "the data holds one class only"
    else:
        score = proba[:, 1] if binary and proba.ndim == 2 else proba
        kwargs = {} if binary else {"multi_class": "ovr", "average": "macro", "labels": labels}
        out["roc_auc"] = float(skm.roc_auc_score(y_true, score, **kwargs))
    out["log_loss"] = float(skm.log_loss(y_true, proba, labels=labels))
    return out, skipped


def _labels(y_true: Any, y_pred: Any, classes: Sequence[Any] | None) -> list[Any]:
    if classes:
        return list(classes)
    return sorted(set(np.unique(y_true).tolist()) | set(np.unique(y_pred).tolist()))


def regressor_metrics(y_true: Any, y_pred: Any) -> tuple[dict[str, float], dict[str, str]]:
    from sklearn import metrics as skm

    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float).reshape(y_true.shape)
    return {
        "rmse": float(np.sqrt(skm.mean_squared_error(y_true, y_pred))),
        "mae": float(skm.mean_absolute_error(y_true, y_pred)),
        "mape": float(skm.mean_absolute_percentage_error(y_true, y_pred)),
        "r2": float(skm.r2_score(y_true, y_pred)),
    }, {}


def higher_is_better(metric: str) -> bool:
    """The natural direction of a standard metric."""
    return metric not in LOWER_IS_BETTER
