"""Shipyard: a self-hosted ML platform in one ``pip install``.

import shipyard as sy
with sy.start_run(project="demo", config={"lr": 0.1}) as run:
    run.log({"train/loss": 0.3, "samples": sy.Image(array, caption="x")}, step=0)
"""

import importlib
from typing import TYPE_CHECKING, Any

from shipyard.client import (
    Client,
    Run,
    RunList,
    active_run,
    finish,
    log,
    log_metric,
    log_params,
    set_tags,
    start_run,
)
from shipyard.client.artifacts import ArtifactVersion, Reference, log_dataset
from shipyard.client.features import FeatureStore
from shipyard.client.report import Report
from shipyard.core import errors
from shipyard.core.errors import ShipyardError
from shipyard.media import (
    Audio,
    Embeddings,
    Figure,
    Histogram,
    Image,
    PointCloud,
    Prompt,
    Table,
    Text,
    Video,
    plots,
)
from shipyard.registry import ModelVersion, RegisteredModel
from shipyard.tracking.entities import MetricHistory, MetricPoint, Project, RunStatus

if TYPE_CHECKING:
    from shipyard import models, predictions
    from shipyard.models import evaluate
    from shipyard.predictions import predict_batch

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # ``sy.models``, ``sy.evaluate``, ``sy.predictions`` and ``sy.predict_batch`` import
    # pandas and the flavors: only on first use.
    if name == "models":
        return importlib.import_module("shipyard.models")
    if name == "evaluate":
        return importlib.import_module("shipyard.models").evaluate
    if name == "predictions":
        return importlib.import_module("shipyard.predictions")
    if name == "predict_batch":
        return importlib.import_module("shipyard.predictions").predict_batch
    raise AttributeError(f"module 'shipyard' has no attribute {name!r}")


__all__ = [
    "ArtifactVersion",
    "Audio",
    "Client",
    "Embeddings",
    "FeatureStore",
    "Figure",
    "Histogram",
    "Image",
    "MetricHistory",
    "MetricPoint",
    "ModelVersion",
    "PointCloud",
    "Project",
    "Prompt",
    "Reference",
    "RegisteredModel",
    "Report",
    "Run",
    "RunList",
    "RunStatus",
    "ShipyardError",
    "Table",
    "Text",
    "Video",
    "__version__",
    "active_run",
    "errors",
    "evaluate",
    "finish",
    "log",
    "log_dataset",
    "log_metric",
    "log_params",
    "models",
    "plots",
    "predict_batch",
    "predictions",
    "set_tags",
    "start_run",
]
