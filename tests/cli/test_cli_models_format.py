"""``shipyard models evaluate / promote / predict`` on the embedded store."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

import shipyard as sy
from tests_models_support import FEATURES, classification_frame


def _models(tmp_path: Path) -> Path:
    data = classification_frame()
    x, y = data[FEATURES], data.label
    with sy.start_run(project="cli"):
        sy.models.log_model(DummyClassifier(strategy="stratified", random_state=0).fit(x, y),
                            "churn", input_example=x[:5])  # fmt: skip
        sy.models.log_model(LogisticRegression().fit(x, y), "churn", input_example=x[:5])
    path = tmp_path / "holdout.csv"
    data.to_csv(path, index=False)
    return path


def test_evaluate_prints_metrics_and_slices(invoke, tmp_path: Path) -> None:
    holdout = _models(tmp_path)
    result = invoke("models", "evaluate", "models:/churn/2", "--data", str(holdout),
                    "--target", "label", "--slice", "segment")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "roc_auc" in result.stdout and "segment=a" in result.stdout
    assert "eval-churn-2:v1" in result.stdout
    as_json = invoke("models", "evaluate", "models:/churn/2", "-d", str(holdout), "-t", "label",
                     "--json")  # fmt: skip
    assert 0.5 < json.loads(as_json.stdout)["metrics"]["accuracy"] <= 1.0


def test_promote_gate(invoke, tmp_path: Path) -> None:
    holdout = _models(tmp_path)
    first = invoke("models", "promote", "churn", "--candidate", "2", "--data", str(holdout),
                   "--target", "label")  # fmt: skip
    assert first.exit_code == 0, first.output
    assert "promoted" in first.stdout and "no version holds the alias" in first.stdout
    worse = invoke("models", "promote", "churn", "-c", "1", "-d", str(holdout), "-t", "label",
                   "--strict", "--json")  # fmt: skip
    assert worse.exit_code == 2
    decision = json.loads(worse.stdout)
    assert decision["promoted"] is False and decision["champion"] == 2
    assert sy.Client().get_model_version_by_alias("churn", "champion").version == 2


def test_predict_from_a_file(invoke, tmp_path: Path) -> None:
    holdout = _models(tmp_path)
    out = tmp_path / "pred.csv"
    result = invoke("models", "predict", "models:/churn/2", "--input", str(holdout),
                    "--output", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 200
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps([{"x1": 0.1, "x2": 0.3, "count": 2}]))
    shown = invoke("models", "predict", "models:/churn/2", "-i", str(rows), "--proba", "--json")
    assert shown.exit_code == 0 and len(json.loads(shown.stdout)[0]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"x1": 0.1}]))
    refused = invoke("models", "predict", "models:/churn/2", "-i", str(bad))
    assert refused.exit_code == 1
    assert "MODEL_SIGNATURE_MISMATCH" in refused.stderr and "'x2'" in refused.stderr
