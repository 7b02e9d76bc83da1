"""log_model → registry → load, embedded and over HTTP, for every flavor; model URIs;
model.yaml records the run's metrics and the datasets it consumed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import shipyard as sy
from shipyard.core.errors import (
    ArtifactNotFoundError,
    InvalidInputError,
    ModelFormatError,
    ModelSignatureError,
    UnsafeModelError,
)
from tests_models_support import FACTORIES, FEATURES, PlainScorer, build, reference


@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_every_flavor_logs_registers_and_loads(
    kind: str, tracking_uri: str, clf_data: pd.DataFrame, tmp_path: Path
) -> None:
    flavor, model, x, opts = build(kind, clf_data, tmp_path)
    with sy.start_run(project="models") as run:
        mv = sy.models.log_model(model, f"m-{kind}", input_example=x[:5], **opts)
    assert (mv.name, mv.version, mv.run_id) == (f"m-{kind}", 1, run.id)
    loaded = sy.models.load(f"models:/m-{kind}/1")
    assert loaded.flavor == flavor and loaded.model_version.version == 1
    expected = np.asarray(reference(model, x, flavor))
    np.testing.assert_allclose(np.asarray(loaded.predict(x)), expected, rtol=1e-5)


def test_uris_and_lineage(tracking_uri: str, clf_data: pd.DataFrame, tmp_path: Path) -> None:
    _, model, x, _ = build("sklearn", clf_data, tmp_path)
    with sy.start_run(project="models") as run:
        data = sy.log_dataset(clf_data, "churn-train")
        run.use_artifact(data.ref)
        run.log({"val/f1": 0.8})
        mv = sy.models.log_model(model, "churn", input_example=x[:5])
    client = sy.Client()
    client.set_alias("churn", "champion", mv.version)
    uris = ["models:/churn/1", "models:/churn@champion", f"runs:/{run.id}/model",
            f"runs:/{run.id}/churn", "artifacts:/churn:v1"]  # fmt: skip
    expected = model.predict(x)
    for uri in uris:
        np.testing.assert_array_equal(sy.models.load(uri).predict(x), expected, err_msg=uri)
    meta = sy.models.load("models:/churn@champion").metadata
    assert meta["metrics"] == {"val/f1": 0.8}
    assert meta["lineage"]["run_id"] == run.id and meta["lineage"]["project"] == "models"
    assert [d["ref"] for d in meta["lineage"]["datasets"]] == ["churn-train:v1"]
    local = client.get_artifact("churn:v1").download(tmp_path / "copy")
    np.testing.assert_array_equal(sy.models.load(str(local)).predict(x), expected)
    client.close()


def test_signature_errors_through_a_loaded_model(
    tracking_uri: str, clf_data: pd.DataFrame, tmp_path: Path
) -> None:
    _, model, x, _ = build("sklearn", clf_data, tmp_path)
    with sy.start_run(project="models"):
        sy.models.log_model(model, "sig", input_example=x[:5])
    loaded = sy.models.load("models:/sig/1")
    row = {"x1": 0.1, "x2": 0.2, "count": 3}
    assert loaded.predict(row).shape == (1,)
    assert loaded.predict([row, row]).shape == (2,)
    assert loaded.predict({"x1": 1, "x2": 0, "count": 3}).shape == (1,)  # int → float
    with pytest.raises(ModelSignatureError, match="missing column 'count'"):
        loaded.predict({"x1": 0.1, "x2": 0.2})
    with pytest.raises(ModelSignatureError, match="column 'x2' is string"):
        loaded.predict({"x1": 0.1, "x2": "high", "count": 3})


def test_unsafe_model_refused_after_logging(tracking_uri: str, clf_data: pd.DataFrame) -> None:
    with sy.start_run(project="models"):
        sy.models.log_model(
            PlainScorer(1.0), "unsafe", flavor="pickle", allow_unsafe=True,
            input_example=clf_data[FEATURES][:3],
        )  # fmt: skip
    with pytest.raises(UnsafeModelError, match="allow_unsafe=True"):
        sy.models.load("models:/unsafe/1")
    assert sy.models.load("models:/unsafe/1", allow_unsafe=True).predict(clf_data[:2]).shape == (2,)


def test_bad_model_uris(tracking_uri: str, clf_data: pd.DataFrame) -> None:
    with sy.start_run(project="models") as run:
        run.log({"x": 1.0})
        sy.log_dataset(clf_data, "not-a-model")
    with pytest.raises(ArtifactNotFoundError, match="logged no model at all"):
        sy.models.load(f"runs:/{run.id}/model")
    with pytest.raises(InvalidInputError, match="'dataset' artifact, not a model"):
        sy.models.load("artifacts:/not-a-model:v1")
    with pytest.raises(InvalidInputError, match="runs:/<32-hex run id>"):
        sy.models.load("runs:/abc/model")
    with pytest.raises(InvalidInputError, match="neither a model URI"):
        sy.models.load("/no/such/folder")


def test_log_model_needs_a_run(clf_data: pd.DataFrame) -> None:
    with pytest.raises(InvalidInputError, match="needs a run"):
        sy.models.log_model(PlainScorer(1.0), "x")


def test_register_false_returns_the_artifact(tracking_uri: str, clf_data: pd.DataFrame) -> None:
    with sy.start_run(project="models") as run:
        art = sy.models.log_model(PlainScorer(1.0), "plain", register=False,
                                  input_example=clf_data[FEATURES][:3])  # fmt: skip
    assert (art.ref, art.type, art.producer_run_id) == ("plain:v1", "model", run.id)
    assert art.metadata["flavor"] == "pyfunc"
    assert sy.models.load(f"runs:/{run.id}/model").flavor == "pyfunc"


def test_tampered_download_is_refused(tmp_path: Path, clf_data: pd.DataFrame) -> None:
    with sy.start_run(project="models"):
        sy.models.log_model(PlainScorer(1.0), "tamper", input_example=clf_data[FEATURES][:3])
    folder = sy.Client().get_artifact("tamper:v1").download(tmp_path / "t")
    (folder / "extra.py").write_text("import os")
    with pytest.raises(ModelFormatError, match="does not list"):
        sy.models.load(str(folder))


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["local", "http"])
def test_on_postgresql(
    kind: str, postgres_url: str, live_server, monkeypatch: pytest.MonkeyPatch,
    clf_data: pd.DataFrame, tmp_path: Path,
) -> None:  # fmt: skip
    """Log, register, promote and load against PostgreSQL, embedded and behind a server."""
    uri = str(live_server(postgres_url).url) if kind == "http" else postgres_url
    monkeypatch.setenv("SHIPYARD_TRACKING_URI", uri)
    _, model, x, _ = build("sklearn", clf_data, tmp_path)
    with sy.start_run(project="pg"):
        sy.models.log_model(model, "pg-model", input_example=x[:5])
    decision = sy.models.promote("pg-model", candidate=1, data=clf_data, target="label")
    assert decision.promoted
    loaded = sy.models.load("models:/pg-model@champion")
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
