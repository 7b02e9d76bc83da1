"""The model materializer: pipeline steps return and take models, stored in the model
format (skops for scikit-learn), never pickled."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from shipyard.core.errors import UnsupportedOutputError
from shipyard.models import MODEL_MATERIALIZER, PythonModel
from shipyard.pipelines.materializers import load_value, materializer_for, save_value


class Doubler(PythonModel):
    def __init__(self, factor: float = 2.0) -> None:
        self.factor = factor

    def predict(self, data: Any) -> Any:
        return np.asarray(pd.DataFrame(data)["x"], dtype="float64") * self.factor


class HasPredict:
    def predict(self, data: Any) -> Any:
        return data


def _fitted() -> Any:
    from sklearn.linear_model import LinearRegression

    x = pd.DataFrame({"x": np.arange(10.0)})
    return LinearRegression().fit(x, x["x"] * 2), x


def test_sklearn_model_round_trips_through_skops(tmp_path: Path) -> None:
    model, x = _fitted()
    info = save_value(model, tmp_path / "out")
    assert info["materializer"] == "model" and info["artifact_type"] == "model"
    assert info["module"] == "shipyard.models.materializer"
    files = {p.name for p in (tmp_path / "out" / "model").iterdir()}
    assert {"model.yaml", "model.skops"} <= files and not any(f.endswith(".pkl") for f in files)
    loaded = load_value(tmp_path / "out", info)
    assert type(loaded) is type(model)
    np.testing.assert_allclose(loaded.predict(x), model.predict(x))


def test_python_models_are_models_but_any_predict_method_is_not(tmp_path: Path) -> None:
    assert materializer_for(Doubler(3.0)) is MODEL_MATERIALIZER
    loaded = load_value(tmp_path / "d", save_value(Doubler(3.0), tmp_path / "d"))
    assert isinstance(loaded, Doubler) and loaded.factor == 3.0
    with pytest.raises(UnsupportedOutputError):
        materializer_for(HasPredict())
    assert materializer_for(pd.DataFrame({"a": [1]})).name == "parquet"
    assert materializer_for({"a": 1}).name == "json"


def test_a_fresh_process_loads_a_model_without_importing_the_models_package(
    tmp_path: Path,
) -> None:
    model, _ = _fitted()
    info = save_value(model, tmp_path / "out")
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from shipyard.pipelines.materializers import load_value\n"
        "assert 'shipyard.models' not in sys.modules\n"
        f"value = load_value(Path({str(tmp_path / 'out')!r}), json.loads({json.dumps(info)!r}))\n"
        "print(type(value).__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "LinearRegression"


def test_steps_pass_a_model_between_worker_processes(sqlite_url: str, monkeypatch) -> None:
    from models import model_steps

    monkeypatch.setenv("SHIPYARD_CAPTURE_PACKAGES", "0")
    run = model_steps.model_pipeline.run(tracking_uri=sqlite_url, max_workers=2)
    assert run.output() == {"type": "LinearRegression", "max_error": pytest.approx(0, abs=1e-9)}
    fit_step = run.record.step("fit")
    assert fit_step.outputs["value"]["materializer"] == "model"
    import shipyard as sy

    version = sy.Client(sqlite_url).get_artifact(fit_step.outputs["value"]["ref"])
    assert version.type == "model"
    assert type(run.output("fit")).__name__ == "LinearRegression"
    again = model_steps.model_pipeline.run(tracking_uri=sqlite_url, max_workers=2)
    assert [s.status for s in again.record.steps] == ["CACHED"] * 3
