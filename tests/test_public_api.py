"""The public surface: what ``import shipyard`` exports, and the documented error codes."""

from __future__ import annotations

import re

import shipyard
from shipyard.core import errors
from tests_support import repo_root


def test_top_level_exports_are_pinned() -> None:
    assert sorted(shipyard.__all__) == [
        "ArtifactVersion", "Audio", "Client", "Embeddings", "FeatureStore", "Figure",
        "Histogram", "Image", "MetricHistory", "MetricPoint", "ModelVersion", "PointCloud",
        "Project", "Prompt", "Reference", "RegisteredModel",
        "Report", "Run", "RunList", "RunStatus",
        "ShipyardError", "Table", "Text", "Video", "__version__", "active_run", "errors",
        "evaluate", "finish", "log", "log_dataset", "log_metric", "log_params", "models",
        "plots", "predict_batch", "predictions", "set_tags",
        "start_run",
    ]  # fmt: skip
    for name in shipyard.__all__:
        assert getattr(shipyard, name) is not None


def test_models_exports_are_pinned() -> None:
    import shipyard.models

    assert sorted(shipyard.models.__all__) == [
        "ColumnSpec", "ENV_ALLOW_UNSAFE", "EvaluationResult", "LoadedModel",
        "MODEL_MATERIALIZER", "ModelSpec",
        "PromotionDecision", "PythonModel", "Signature", "SliceMetrics", "TensorSpec",
        "evaluate", "load", "load_model_dir", "log_model", "promote", "save_model",
    ]  # fmt: skip
    assert shipyard.evaluate is shipyard.models.evaluate


def test_predictions_exports_are_pinned() -> None:
    import shipyard.predictions

    assert sorted(shipyard.predictions.__all__) == [
        "BatchResult", "latest", "predict_batch", "trace", "versions",
    ]  # fmt: skip
    assert shipyard.predict_batch is shipyard.predictions.predict_batch


def _error_classes() -> list[type[errors.ShipyardError]]:
    found = [errors.ShipyardError]
    queue = [errors.ShipyardError]
    while queue:
        for sub in queue.pop().__subclasses__():
            found.append(sub)
            queue.append(sub)
    return found


def test_error_codes_are_unique_and_documented() -> None:
    classes = _error_classes()
    codes = [c.error_code for c in classes]
    assert len(codes) == len(set(codes))
    doc = (repo_root() / "docs" / "errors.md").read_text()
    table = dict(re.findall(r"^\| `([A-Z_]+)` \| `\w+` \| (\d+) \|$", doc, flags=re.M))
    for cls in classes:
        assert table.get(cls.error_code) == str(cls.http_status), cls.error_code


def test_server_errors_rebuild_the_same_class() -> None:
    for cls in _error_classes():
        err = errors.error_from_code(cls.error_code, "boom", {"position": 3})
        assert type(err) is cls and err.message == "boom"
