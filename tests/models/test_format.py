"""The model format without a store: every flavor saves, loads back and predicts the same;
model.yaml records what it should; tampered files and unsafe formats are refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from shipyard.core.errors import ModelFlavorError, ModelFormatError, UnsafeModelError
from shipyard.models import load_model_dir, save_model
from tests_models_support import FACTORIES, FEATURES, PlainScorer, build, double, reference


@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_save_load_predict_round_trip(kind: str, clf_data: pd.DataFrame, tmp_path: Path) -> None:
    flavor, model, x, opts = build(kind, clf_data, tmp_path)
    spec = save_model(model, tmp_path / "m", input_example=x[:5], **opts)
    assert spec.flavor == flavor
    loaded = load_model_dir(tmp_path / "m")
    expected = reference(model, x, flavor)
    np.testing.assert_allclose(np.asarray(loaded.predict(x)), np.asarray(expected), rtol=1e-5)
    meta = yaml.safe_load((tmp_path / "m" / "model.yaml").read_text())
    assert meta["flavor"] == flavor and meta["signature"]["outputs"] is not None
    assert meta["input_example"]["data"] and len(meta["input_example"]["data"]) == 5
    lib = {"sklearn": "scikit-learn", "xgboost": "xgboost", "lightgbm": "lightgbm",
           "torch": "torch", "onnx": "onnxruntime", "pyfunc": "pandas"}[flavor]  # fmt: skip
    assert any(r.startswith(f"{lib}==") for r in meta["requirements"]), meta["requirements"]


def test_model_yaml_records_signature_and_example(clf_data: pd.DataFrame, tmp_path: Path) -> None:
    _, model, x, _ = build("sklearn", clf_data, tmp_path)
    save_model(model, tmp_path / "m", input_example=x, metrics={"f1": 0.9},
               lineage={"run_id": "r"}, pip_requirements=["extra-lib>=1"])  # fmt: skip
    meta = load_model_dir(tmp_path / "m").metadata
    assert meta["signature"]["inputs"] == [
        {"name": "x1", "dtype": "float64"}, {"name": "x2", "dtype": "float64"},
        {"name": "count", "dtype": "int64"},
    ]  # fmt: skip
    assert meta["input_example"]["data"][0]["count"] == int(x["count"].iloc[0])
    assert meta["metrics"] == {"f1": 0.9} and meta["lineage"] == {"run_id": "r"}
    assert "extra-lib>=1" in meta["requirements"]
    assert meta["files"]["model.skops"]["sha256"]
    assert meta["flavor_info"]["classes"] == [0, 1]


def test_tampered_file_is_refused(clf_data: pd.DataFrame, tmp_path: Path) -> None:
    _, model, x, _ = build("sklearn", clf_data, tmp_path)
    save_model(model, tmp_path / "m", input_example=x[:3])
    with (tmp_path / "m" / "model.skops").open("ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelFormatError, match=r"model.skops.*does not match model.yaml"):
        load_model_dir(tmp_path / "m")


def test_not_a_model_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelFormatError, match=r"no model\.yaml"):
        load_model_dir(tmp_path)
    (tmp_path / "model.yaml").write_text("format_version: 99\nflavor: sklearn\n")
    with pytest.raises(ModelFormatError, match="format_version 99"):
        load_model_dir(tmp_path)


def test_pickle_needs_opt_in_to_save_and_load(
    clf_data: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scorer = PlainScorer(1.5)
    with pytest.raises(UnsafeModelError, match="runs arbitrary code"):
        save_model(scorer, tmp_path / "p", flavor="pickle")
    save_model(scorer, tmp_path / "p", flavor="pickle", allow_unsafe=True, input_example=clf_data)
    with pytest.raises(UnsafeModelError, match=r"CVE-2024-37052\.\.37060") as err:
        load_model_dir(tmp_path / "p")
    assert "SHIPYARD_ALLOW_UNSAFE_MODELS=1" in err.value.message
    assert load_model_dir(tmp_path / "p", allow_unsafe=True).predict(clf_data[:2]).shape == (2,)
    monkeypatch.setenv("SHIPYARD_ALLOW_UNSAFE_MODELS", "1")
    assert load_model_dir(tmp_path / "p").flavor == "pickle"


def test_model_yaml_cannot_declare_pickle_safe(clf_data: pd.DataFrame, tmp_path: Path) -> None:
    """Whether a format runs code is the flavor's call, not model.yaml's."""
    save_model(PlainScorer(1.0), tmp_path / "p", flavor="pickle", allow_unsafe=True)
    path = tmp_path / "p" / "model.yaml"
    meta = yaml.safe_load(path.read_text())
    meta["format"] = "skops"
    path.write_text(yaml.safe_dump(meta))
    with pytest.raises(UnsafeModelError):
        load_model_dir(tmp_path / "p")


def test_skops_refuses_untrusted_types(clf_data: pd.DataFrame, tmp_path: Path) -> None:
    """A skops file naming code outside sklearn/numpy/scipy is not loaded blindly."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    model = make_pipeline(FunctionTransformer(func=double), LogisticRegression())
    model.fit(clf_data[FEATURES].to_numpy(), clf_data.label)
    save_model(model, tmp_path / "m", input_example=clf_data[FEATURES].to_numpy()[:3])
    with pytest.raises(UnsafeModelError, match=r"tests_models_support\.double") as err:
        load_model_dir(tmp_path / "m")
    assert err.value.details["types"] == ["tests_models_support.double"]
    trusted = load_model_dir(tmp_path / "m", trusted_types=["tests_models_support.double"])
    x = clf_data[FEATURES].to_numpy()
    np.testing.assert_array_equal(trusted.predict(x), model.predict(x))


def test_skops_loads_categorical_hist_gradient_boosting(tmp_path: Path) -> None:
    """HistGradientBoosting with categorical features keeps ``partial(check_array)``:
    the partial is a combinator, and the function it wraps passes the check itself."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    rng = np.random.default_rng(0)
    x = pd.DataFrame({"day": rng.integers(0, 7, 300), "t": rng.normal(size=300)})
    y = x["day"] * 2.0 + x["t"]
    model = HistGradientBoostingRegressor(max_iter=20, categorical_features=[0]).fit(x, y)
    save_model(model, tmp_path / "m", input_example=x[:5])
    loaded = load_model_dir(tmp_path / "m")
    np.testing.assert_allclose(loaded.predict(x), model.predict(x))


def test_skops_partial_of_untrusted_code_is_refused(tmp_path: Path) -> None:
    """Trusting ``functools.partial`` never trusts the function inside it."""
    import functools

    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    x = np.arange(20, dtype="float64").reshape(10, 2)
    model = make_pipeline(
        FunctionTransformer(func=functools.partial(double)), LinearRegression()
    ).fit(x, x[:, 0])
    save_model(model, tmp_path / "m", input_example=x[:3])
    with pytest.raises(UnsafeModelError) as err:
        load_model_dir(tmp_path / "m")
    assert err.value.details["types"] == ["tests_models_support.double"]


def test_pyfunc_class_must_be_importable(tmp_path: Path) -> None:
    class Local:
        def predict(self, data: Any) -> Any:
            return data

    with pytest.raises(ModelFlavorError, match="cannot be imported"):
        save_model(Local(), tmp_path / "m")


def test_pyfunc_class_path_cannot_name_the_standard_library(
    clf_data: pd.DataFrame, tmp_path: Path
) -> None:
    save_model(PlainScorer(2.0), tmp_path / "m", input_example=clf_data[:3])
    loaded = load_model_dir(tmp_path / "m")
    np.testing.assert_allclose(loaded.predict(clf_data[:3]), clf_data.x1[:3] + 2.0)
    path = tmp_path / "m" / "model.yaml"
    meta = yaml.safe_load(path.read_text())
    meta["flavor_info"]["class"] = "subprocess:Popen"
    meta["flavor_info"]["params"] = {"args": ["true"]}
    path.write_text(yaml.safe_dump(meta))
    with pytest.raises(ModelFlavorError, match="standard-library"):
        load_model_dir(tmp_path / "m")


def test_unknown_objects_need_a_flavor(tmp_path: Path) -> None:
    with pytest.raises(ModelFlavorError, match="pass flavor="):
        save_model(object(), tmp_path / "m")
    with pytest.raises(ModelFlavorError, match="unknown model flavor 'keras'"):
        save_model(PlainScorer(1), tmp_path / "n", flavor="keras")


def test_saving_into_a_non_empty_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "x").write_text("x")
    with pytest.raises(Exception, match="not empty"):
        save_model(PlainScorer(1), tmp_path / "m")


def test_loading_a_sklearn_model_does_not_import_torch(tmp_path: Path) -> None:
    """skops' trusted-types table walks every sklearn package; torch must stay out."""
    pytest.importorskip("torch")
    from sklearn.linear_model import LogisticRegression

    x = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    save_model(LogisticRegression().fit(x, [0, 0, 1, 1]), tmp_path / "m", input_example=x)
    code = (
        "import sys, shipyard.models as m; "
        f"print(len(m.load_model_dir({str(tmp_path / 'm')!r}).predict({{'a': 1.0, 'b': 0.0}}))); "
        "print('torch' in sys.modules); import sklearn.externals.array_api_compat.torch"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "False"]
