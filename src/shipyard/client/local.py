"""``LocalBackend``: the tracking service in-process over SQLite or PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine

from shipyard.artifacts import GcReport
from shipyard.client.local_artifacts import LocalArtifacts, default_artifacts_uri
from shipyard.client.local_features import LocalFeatures
from shipyard.client.local_media import LocalMedia
from shipyard.client.local_pipelines import LocalPipelines
from shipyard.client.local_registry import LocalRegistry
from shipyard.client.local_reports import LocalReports
from shipyard.media import MediaService
from shipyard.reports import ReportService, Sources
from shipyard.store.db import create_store_engine
from shipyard.tracking.entities import (
    MetricColumns,
    MetricHistory,
    MetricPoint,
    Project,
    RunPage,
    RunRecord,
)
from shipyard.tracking.service import TrackingService

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def shared_engine(url: str) -> Engine:
    """One engine (and connection pool) per database URL in this process."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = create_store_engine(url)
            _engines[url] = engine
        return engine


class LocalBackend(
    LocalMedia, LocalArtifacts, LocalFeatures, LocalRegistry, LocalPipelines, LocalReports
):
    """Embedded backend: calls the domain services directly, no server needed."""

    def __init__(
        self, database_url: str, engine: Engine | None = None, artifacts_uri: str | None = None
    ) -> None:
        self._url = database_url
        engine = engine or shared_engine(database_url)
        self.service = TrackingService(engine)
        self.media_service = MediaService(engine)
        super().__init__(engine, artifacts_uri or default_artifacts_uri(database_url))
        self._init_features(engine, database_url)
        LocalRegistry.__init__(self, engine)
        self._init_pipelines(engine)
        sources = Sources(
            self.service,
            self.media_service,
            self.artifacts,
            self.registry,
            self.blobs,
            lambda: self.features,
            self.pipelines,
        )
        self.reports = ReportService(engine, sources)

    @property
    def uri(self) -> str:
        return self._url

    def create_project(self, name: str, description: str = "") -> Project:
        return self.service.create_project(name, description)

    def get_project(self, name: str) -> Project:
        return self.service.get_project(name)

    def list_projects(self) -> list[Project]:
        return self.service.list_projects()

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
    ) -> RunRecord:
        return self.service.create_run(
            project,
            name=name,
            config=config,
            tags=tags,
            parent_id=parent_id,
            run_id=run_id,
            user=user,
            system=system,
            start_time=start_time,
        )

    def get_run(self, run_id: str) -> RunRecord:
        return self.service.get_run(run_id)

    def update_run(
        self,
        run_id: str,
        *,
        status: str | None = None,
        end_time: int | None = None,
        name: str | None = None,
        summary: Mapping[str, Any] | None = None,
        system: Mapping[str, Any] | None = None,
    ) -> RunRecord:
        return self.service.update_run(
            run_id, status=status, end_time=end_time, name=name, summary=summary, system=system
        )

    def delete_run(self, run_id: str) -> None:
        self.service.delete_run(run_id)

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[MetricPoint] | MetricColumns = (),
        params: Mapping[str, Any] | None = None,
        tags: Mapping[str, Any] | None = None,
        batch_id: str | None = None,
    ) -> bool:
        return self.service.log_batch(run_id, metrics, params, tags, batch_id)

    def delete_tag(self, run_id: str, key: str) -> None:
        self.service.delete_tag(run_id, key)

    def get_metric_history(self, run_id: str, key: str) -> MetricHistory:
        return self.service.get_metric_history(run_id, key)

    def search_runs(
        self,
        projects: Sequence[str],
        filter: str | None = None,
        order_by: Sequence[str] = (),
        limit: int = 1000,
        page_token: str | None = None,
    ) -> RunPage:
        return self.service.search_runs(projects, filter, order_by, limit, page_token)

    def collect_garbage(self, grace_s: float = 3600.0, *, dry_run: bool = False) -> GcReport:
        """Garbage collection keeps blobs that media items point at, too."""
        keep = self.media_service.referenced_digests()
        return self.artifacts.gc(self.blobs, grace_s, keep=keep, dry_run=dry_run)

    def close(self) -> None:
        """Engines are shared per process; nothing to release per backend."""
