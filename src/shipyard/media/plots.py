"""``sy.plots``: evaluation charts as interactive Plotly figures, computed with scikit-learn.

Each returns a :class:`~shipyard.media.figures.Figure` to log:
``run.log({"eval/cm": sy.plots.confusion_matrix(y, y_hat)})``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from shipyard.core.errors import InvalidInputError
from shipyard.media.figures import Figure

__all__ = ["confusion_matrix", "pr_curve", "roc_curve"]


def _go() -> Any:
    import plotly.graph_objects as go

    return go


def confusion_matrix(
    y_true: Any,
    y_pred: Any,
    labels: Sequence[Any] | None = None,
    *,
    normalize: bool = False,
    title: str = "Confusion matrix",
) -> Figure:
    """Counts (or row-normalised rates) of true class by predicted class."""
    from sklearn.metrics import confusion_matrix as cm

    yt, yp = np.asarray(y_true), np.asarray(y_pred)
    if yt.shape != yp.shape or yt.ndim != 1 or yt.size == 0:
        raise InvalidInputError("y_true and y_pred must be 1-D and the same length")
    classes = list(labels) if labels is not None else sorted(set(yt.tolist()) | set(yp.tolist()))
    matrix = cm(yt, yp, labels=classes).astype(np.float64)
    if normalize:
        matrix = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    names = [str(c) for c in classes]
    go = _go()
    fig = go.Figure(
        go.Heatmap(z=matrix.tolist(), x=names, y=names, colorscale="Blues", texttemplate="%{z}")
    )
    fig.update_layout(
        title=title, xaxis_title="predicted", yaxis_title="true", yaxis_autorange="reversed"
    )
    return Figure(fig, plot="confusion_matrix")


def _scores(y_true: Any, y_score: Any, labels: Sequence[Any] | None) -> tuple[Any, Any, list[Any]]:
    yt, ys = np.asarray(y_true), np.asarray(y_score, dtype=np.float64)
    if yt.ndim != 1 or ys.shape[0] != yt.shape[0] or ys.ndim not in (1, 2):
        raise InvalidInputError("y_score must be (n,) or (n, classes) for n labels")
    if ys.ndim == 1:
        return yt, ys[:, None], [None]
    classes = list(labels) if labels is not None else sorted(set(yt.tolist()))
    if len(classes) != ys.shape[1]:
        raise InvalidInputError(f"{ys.shape[1]} score columns for {len(classes)} classes")
    return yt, ys, classes


def roc_curve(
    y_true: Any, y_score: Any, labels: Sequence[Any] | None = None, *, title: str = "ROC"
) -> Figure:
    """ROC per class (one-vs-rest) with its AUC; binary when ``y_score`` is 1-D."""
    from sklearn.metrics import auc
    from sklearn.metrics import roc_curve as roc

    yt, ys, classes = _scores(y_true, y_score, labels)
    go = _go()
    fig = go.Figure()
    for i, c in enumerate(classes):
        positive = yt == c if c is not None else yt == np.max(yt)
        fpr, tpr, _ = roc(positive, ys[:, i])
        name = "ROC" if c is None else str(c)
        fig.add_trace(
            go.Scatter(
                x=fpr.tolist(),
                y=tpr.tolist(),
                mode="lines",
                name=f"{name} (AUC {auc(fpr, tpr):.3f})",
            )
        )
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot"}, name="chance"))
    fig.update_layout(
        title=title, xaxis_title="false positive rate", yaxis_title="true positive rate"
    )
    return Figure(fig, plot="roc_curve")


def pr_curve(
    y_true: Any,
    y_score: Any,
    labels: Sequence[Any] | None = None,
    *,
    title: str = "Precision-recall",
) -> Figure:
    """Precision-recall per class (one-vs-rest) with average precision."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    yt, ys, classes = _scores(y_true, y_score, labels)
    go = _go()
    fig = go.Figure()
    for i, c in enumerate(classes):
        positive = yt == c if c is not None else yt == np.max(yt)
        precision, recall, _ = precision_recall_curve(positive, ys[:, i])
        ap = average_precision_score(positive, ys[:, i])
        name = "PR" if c is None else str(c)
        fig.add_trace(
            go.Scatter(
                x=recall.tolist(), y=precision.tolist(), mode="lines", name=f"{name} (AP {ap:.3f})"
            )
        )
    fig.update_layout(title=title, xaxis_title="recall", yaxis_title="precision")
    return Figure(fig, plot="pr_curve")
