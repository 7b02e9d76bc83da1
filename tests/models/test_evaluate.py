"""sy.evaluate: metrics equal scikit-learn's, per-slice metrics, plots logged to the run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.linear_model import LinearRegression, LogisticRegression

import shipyard as sy
from shipyard.core.errors import InvalidInputError
from tests_models_support import FEATURES


def _log_classifier(data: pd.DataFrame, name: str = "clf") -> LogisticRegression:
    model = LogisticRegression().fit(data[FEATURES], data.label)
    with sy.start_run(project="eval"):
        sy.models.log_model(model, name, input_example=data[FEATURES][:5])
    return model


def test_classifier_metrics_match_sklearn(
    tracking_uri: str, clf_data: pd.DataFrame, tmp_path: Path
) -> None:
    model = _log_classifier(clf_data)
    holdout = clf_data.sample(120, random_state=3)
    with sy.start_run(project="eval") as run:
        result = sy.evaluate("models:/clf/1", holdout, "label", slices=["segment"])
    y, pred = holdout.label, model.predict(holdout[FEATURES])
    proba = model.predict_proba(holdout[FEATURES])
    expected = {
        "accuracy": skm.accuracy_score(y, pred), "precision": skm.precision_score(y, pred),
        "recall": skm.recall_score(y, pred), "f1": skm.f1_score(y, pred),
        "roc_auc": skm.roc_auc_score(y, proba[:, 1]), "log_loss": skm.log_loss(y, proba),
    }  # fmt: skip
    assert result.metrics == pytest.approx(expected)
    assert (result.run_id, result.rows, result.model_version) == (run.id, 120, 1)
    by_value = {s.value: s for s in result.slices}
    assert set(by_value) == {"a", "b"} and sum(s.rows for s in result.slices) == 120
    part = holdout[holdout.segment == "a"]
    assert by_value["a"].metrics["f1"] == pytest.approx(
        skm.f1_score(part.label, model.predict(part[FEATURES]))
    )
    stored = sy.Client().get_run(run.id)
    assert stored.metrics["eval/f1"] == pytest.approx(expected["f1"])
    assert stored.metrics["eval/segment=a/f1"] == pytest.approx(by_value["a"].metrics["f1"])
    folder = sy.Client().get_artifact(result.artifact_ref).download(tmp_path / "ev")
    assert sorted(p.name for p in (folder / "plots").iterdir()) == sorted(
        [f"{n}.{ext}" for n in ("confusion_matrix", "pr_curve", "roc_curve")
         for ext in ("json", "html")] + ["plotly.min.js"]
    )  # fmt: skip
    figure = json.loads((folder / "plots" / "confusion_matrix.json").read_text())
    matrix = figure["data"][0]["z"]
    assert np.asarray(matrix).tolist() == skm.confusion_matrix(y, pred).tolist()
    assert json.loads((folder / "metrics.json").read_text()) == pytest.approx(expected)
    assert "plotly.min.js" in (folder / "plots" / "roc_curve.html").read_text()


def test_regressor_metrics_match_sklearn(tracking_uri: str, reg_data: pd.DataFrame) -> None:
    model = LinearRegression().fit(reg_data[["x1", "x2"]], reg_data.y)
    with sy.start_run(project="eval"):
        sy.models.log_model(model, "reg", input_example=reg_data[["x1", "x2"]][:5])
    result = sy.evaluate("models:/reg/1", reg_data, "y", model_type="regressor")
    pred = model.predict(reg_data[["x1", "x2"]])
    assert result.metrics == pytest.approx({
        "rmse": np.sqrt(skm.mean_squared_error(reg_data.y, pred)),
        "mae": skm.mean_absolute_error(reg_data.y, pred),
        "mape": skm.mean_absolute_percentage_error(reg_data.y, pred),
        "r2": skm.r2_score(reg_data.y, pred),
    })  # fmt: skip
    assert result.plots == ["predicted_vs_actual", "residuals"]
    run = sy.Client().get_run(str(result.run_id))  # a run of its own, finished
    assert run.status == "FINISHED"
    assert run.metrics["eval/r2"] == pytest.approx(result.metrics["r2"])


def test_multiclass_uses_macro_averages(tracking_uri: str) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=150), "b": rng.normal(size=150)})
    frame["label"] = np.digitize(frame.a + 0.3 * rng.normal(size=150), [-0.5, 0.5])
    model = LogisticRegression().fit(frame[["a", "b"]], frame.label)
    with sy.start_run(project="eval"):
        sy.models.log_model(model, "multi", input_example=frame[["a", "b"]][:5])
        result = sy.evaluate("models:/multi/1", frame, "label")
    pred, proba = model.predict(frame[["a", "b"]]), model.predict_proba(frame[["a", "b"]])
    assert result.metrics["f1"] == pytest.approx(skm.f1_score(frame.label, pred, average="macro"))
    assert result.metrics["roc_auc"] == pytest.approx(
        skm.roc_auc_score(frame.label, proba, multi_class="ovr", average="macro")
    )


def test_dataset_artifacts_are_inputs_of_the_evaluation_run(
    tracking_uri: str, clf_data: pd.DataFrame
) -> None:
    _log_classifier(clf_data)
    with sy.start_run(project="eval"):
        sy.log_dataset(clf_data, "holdout")
    with sy.start_run(project="eval") as run:
        result = sy.evaluate("models:/clf/1", "artifacts:/holdout:v1", "label")
    assert result.data == "holdout:v1"
    inputs = sy.Client().backend.run_artifacts(run.id)["input"]
    assert [v.ref for v in inputs] == ["holdout:v1"]


def test_bad_evaluation_input(tracking_uri: str, clf_data: pd.DataFrame) -> None:
    _log_classifier(clf_data)
    with pytest.raises(InvalidInputError, match="no column 'nope'"):
        sy.evaluate("models:/clf/1", clf_data, "nope")
    with pytest.raises(InvalidInputError, match="model_type must be"):
        sy.evaluate("models:/clf/1", clf_data, "label", model_type="ranker")
    with pytest.raises(InvalidInputError, match="no rows"):
        sy.evaluate("models:/clf/1", clf_data[:0], "label")
