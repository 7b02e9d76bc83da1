"""Client layer: the SDK facade over the ``Backend`` protocol (embedded or HTTP)."""

from shipyard.client.backend import Backend
from shipyard.client.client import Client, RunList
from shipyard.client.factory import backend_for
from shipyard.client.fluent import (
    active_run,
    finish,
    log,
    log_metric,
    log_params,
    set_tags,
    start_run,
)
from shipyard.client.local import LocalBackend
from shipyard.client.pipelines import PipelineRun
from shipyard.client.run import Run
from shipyard.core.errors import RunNotActiveError

__all__ = [
    "Backend",
    "Client",
    "LocalBackend",
    "PipelineRun",
    "Run",
    "RunList",
    "RunNotActiveError",
    "active_run",
    "backend_for",
    "finish",
    "log",
    "log_metric",
    "log_params",
    "set_tags",
    "start_run",
]
