"""The ``Backend`` protocol: one interface, two implementations (embedded and HTTP).

The SDK talks only to this protocol, so a script behaves the same whether it logs into
the embedded store or to a ``shipyard server``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from shipyard.client.artifact_backend import ArtifactBackend
from shipyard.client.feature_backend import FeatureBackend
from shipyard.client.media_backend import MediaBackend
from shipyard.client.pipeline_backend import PipelineBackend
from shipyard.client.registry_backend import RegistryBackend
from shipyard.client.report_backend import ReportBackend
from shipyard.tracking.entities import (
    MetricColumns,
    MetricHistory,
    MetricPoint,
    Project,
    RunPage,
    RunRecord,
)


@runtime_checkable
class Backend(
    ArtifactBackend,
    FeatureBackend,
    RegistryBackend,
    MediaBackend,
    PipelineBackend,
    ReportBackend,
    Protocol,
):
    """What the SDK needs from a store: tracking here, artifacts in ``ArtifactBackend``,
    the feature store in ``FeatureBackend``, the model registry in ``RegistryBackend``,
    media in ``MediaBackend``, pipelines and schedules in ``PipelineBackend``, reports in
    ``ReportBackend``."""

    @property
    def uri(self) -> str: ...

    def create_project(self, name: str, description: str = "") -> Project: ...

    def get_project(self, name: str) -> Project: ...

    def list_projects(self) -> list[Project]: ...

    def create_run(
        self,
        project: str,
        *,
        name: str | None = None,
        config: Mapping[str, Any] | None = None,
        tags: Mapping[str, Any] | None = None,
        parent_id: str | None = None,
        run_id: str | None = None,
        user: str = "",
        system: Mapping[str, Any] | None = None,
        start_time: int | None = None,
    ) -> RunRecord: ...

    def get_run(self, run_id: str) -> RunRecord: ...

    def update_run(
        self,
        run_id: str,
        *,
        status: str | None = None,
        end_time: int | None = None,
        name: str | None = None,
        summary: Mapping[str, Any] | None = None,
        system: Mapping[str, Any] | None = None,
    ) -> RunRecord: ...

    def delete_run(self, run_id: str) -> None: ...

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[MetricPoint] | MetricColumns = (),
        params: Mapping[str, Any] | None = None,
        tags: Mapping[str, Any] | None = None,
        batch_id: str | None = None,
    ) -> bool:
        """Store a batch atomically; a repeated ``batch_id`` is a no-op returning False."""
        ...

    def delete_tag(self, run_id: str, key: str) -> None: ...

    def get_metric_history(self, run_id: str, key: str) -> MetricHistory: ...

    def search_runs(
        self,
        projects: Sequence[str],
        filter: str | None = None,
        order_by: Sequence[str] = (),
        limit: int = 1000,
        page_token: str | None = None,
    ) -> RunPage: ...

    def close(self) -> None: ...
