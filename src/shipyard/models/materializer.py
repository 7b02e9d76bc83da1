"""The pipelines materializer for models: a step that returns a model stores it in the
model format, and a step that takes it gets the library object back.

    @step(cache=True)
    def train(data: pd.DataFrame) -> HistGradientBoostingRegressor: ...

Registered when ``shipyard.models`` is imported (``shipyard.pipelines`` does not import
the models package; the stored value records this module, so a worker that has not
imported it yet does so before loading). It takes every object a non-pickle flavor
detects (scikit-learn through skops, XGBoost, LightGBM, PyTorch, ONNX) and instances of
``PythonModel``; any other object with a ``predict`` method still needs its own
materializer or ``@step(pickle=True)``. The output artifact has type ``model`` and holds
``model/`` (``model.yaml`` with the file digests, checked before loading).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shipyard.models.format import FLAVORS, PythonModel, load_model_dir, save_model
from shipyard.models.sources import MODEL_ARTIFACT_TYPE
from shipyard.pipelines.materializers import Materializer, register_materializer

__all__ = ["MODEL_MATERIALIZER", "is_model", "register"]

#: flavors this materializer does not claim: pickle runs code when loaded, and pyfunc
#: would take any object with a ``predict`` method (only PythonModel opts in)
_SKIPPED = frozenset({"pickle", "pyfunc"})


def is_model(value: Any) -> bool:
    """Whether the model format stores ``value`` without pickle."""
    if isinstance(value, PythonModel):
        return True
    if isinstance(value, type):
        return False
    return any(f.detect(value) for name, f in FLAVORS.items() if name not in _SKIPPED)


def _save(value: Any, path: Path) -> None:
    save_model(value, path)


def _load(path: Path) -> Any:
    return load_model_dir(path).raw


MODEL_MATERIALIZER = Materializer(
    name="model",
    file="model",
    artifact_type=MODEL_ARTIFACT_TYPE,
    matches=is_model,
    save=_save,
    load=_load,
    module=__name__,
)


def register() -> None:
    """Register the model materializer with the pipelines (done on import)."""
    register_materializer(MODEL_MATERIALIZER)


register()
