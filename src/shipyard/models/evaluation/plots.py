"""Evaluation plots as Plotly figures: confusion matrix, ROC and PR curves (classifiers),
residuals and predicted vs actual (regressors)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["classifier_plots", "regressor_plots"]

MAX_POINTS = 5000


def _go() -> Any:
    import plotly.graph_objects as go

    return go


def confusion_matrix(y_true: Any, y_pred: Any, labels: Sequence[Any]) -> Any:
    from sklearn.metrics import confusion_matrix as cm

    go = _go()
    matrix = cm(y_true, y_pred, labels=list(labels))
    names = [str(label) for label in labels]
    fig = go.Figure(
        go.Heatmap(z=matrix.tolist(), x=names, y=names, colorscale="Blues", text=matrix.tolist(),
                   texttemplate="%{text}", hovertemplate="true %{y}, predicted %{x}: %{z}")
    )  # fmt: skip
    fig.update_layout(title="Confusion matrix", xaxis_title="predicted", yaxis_title="true",
                      yaxis_autorange="reversed")  # fmt: skip
    return fig


def _curves(y_true: Any, proba: Any, labels: Sequence[Any], kind: str) -> Any:
    from sklearn.metrics import auc, precision_recall_curve, roc_curve

    go = _go()
    fig = go.Figure()
    positives = [labels[1]] if len(labels) == 2 else list(labels)
    for label in positives:
        column = list(labels).index(label)
        truth = np.asarray(y_true) == label
        if truth.all() or not truth.any():
            continue
        if kind == "roc":
            x, y, _ = roc_curve(truth, proba[:, column])
            name = f"{label} (AUC {auc(x, y):.3f})"
        else:
            y, x, _ = precision_recall_curve(truth, proba[:, column])
            name = f"{label} (AP-area {auc(x, y):.3f})"
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=name))
    if kind == "roc":
        fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance",
                                 line={"dash": "dash", "color": "grey"}))  # fmt: skip
        fig.update_layout(title="ROC curve", xaxis_title="false positive rate",
                          yaxis_title="true positive rate")  # fmt: skip
    else:
        fig.update_layout(title="Precision-recall curve", xaxis_title="recall",
                          yaxis_title="precision")  # fmt: skip
    return fig


def classifier_plots(y_true: Any, y_pred: Any, proba: Any, labels: Sequence[Any]) -> dict[str, Any]:
    """``{name: figure}``; ROC and PR need probabilities."""
    figures = {"confusion_matrix": confusion_matrix(y_true, y_pred, labels)}
    if proba is not None:
        proba = np.asarray(proba, dtype=float)
        if proba.ndim == 2 and proba.shape[1] == len(labels):
            figures["roc_curve"] = _curves(y_true, proba, labels, "roc")
            figures["pr_curve"] = _curves(y_true, proba, labels, "pr")
    return figures


def _sample(*arrays: Any) -> list[Any]:
    n = len(arrays[0])
    if n <= MAX_POINTS:
        return list(arrays)
    keep = np.random.default_rng(0).choice(n, MAX_POINTS, replace=False)
    return [np.asarray(a)[keep] for a in arrays]


def regressor_plots(y_true: Any, y_pred: Any) -> dict[str, Any]:
    go = _go()
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float).reshape(y_true.shape)
    t, p = _sample(y_true, y_pred)
    residuals = go.Figure(go.Scatter(x=p, y=t - p, mode="markers", marker={"opacity": 0.6}))
    residuals.add_hline(y=0, line_dash="dash", line_color="grey")
    residuals.update_layout(title="Residuals", xaxis_title="predicted",
                            yaxis_title="actual - predicted")  # fmt: skip
    low, high = float(min(t.min(), p.min())), float(max(t.max(), p.max()))
    versus = go.Figure(go.Scatter(x=t, y=p, mode="markers", marker={"opacity": 0.6},
                                  name="rows"))  # fmt: skip
    versus.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", name="ideal",
                                line={"dash": "dash", "color": "grey"}))  # fmt: skip
    versus.update_layout(title="Predicted vs actual", xaxis_title="actual",
                         yaxis_title="predicted")  # fmt: skip
    return {"residuals": residuals, "predicted_vs_actual": versus}
