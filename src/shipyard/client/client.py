"""``Client``: query and manage projects and runs through whichever backend is configured."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from shipyard.artifacts import (
    AliasEvent,
    ArtifactRecord,
    GcReport,
    LineageGraph,
    ManifestDiff,
    parse_ref,
)
from shipyard.client.artifacts import (
    ArtifactVersion,
    Progress,
    Reference,
    log_artifact,
    wrap,
)
from shipyard.client.backend import Backend
from shipyard.client.factory import backend_for
from shipyard.client.pipeline_client import PipelineClient
from shipyard.client.registry_client import RegistryClient
from shipyard.client.run import Run
from shipyard.core.errors import InvalidInputError
from shipyard.tracking.entities import MetricHistory, Project


class RunList(list[Run]):
    """A page of runs; ``next_page_token`` fetches the next page (None on the last)."""

    next_page_token: str | None = None


class Client(RegistryClient, PipelineClient):
    """Read and manage tracking data, artifacts, the model registry, pipelines and
    schedules: ``sy.Client()`` follows ``SHIPYARD_TRACKING_URI``."""

    def __init__(
        self,
        tracking_uri: str | None = None,
        *,
        token: str | None = None,
        backend: Backend | None = None,
    ) -> None:
        self.backend = backend or backend_for(tracking_uri, token=token)

    @property
    def tracking_uri(self) -> str:
        return self.backend.uri

    def list_projects(self) -> list[Project]:
        return self.backend.list_projects()

    def create_project(self, name: str, description: str = "") -> Project:
        return self.backend.create_project(name, description)

    def get_project(self, name: str) -> Project:
        return self.backend.get_project(name)

    def get_run(self, run_id: str) -> Run:
        return Run.from_record(self.backend.get_run(run_id), self.backend)

    def delete_run(self, run_id: str) -> None:
        self.backend.delete_run(run_id)

    def get_metric_history(self, run_id: str, key: str) -> MetricHistory:
        """Every point of one metric, in step order (any length)."""
        return self.backend.get_metric_history(run_id, key)

    def search_runs(
        self,
        project: str | Sequence[str],
        filter: str | None = None,
        order_by: Sequence[str] = (),
        limit: int = 1000,
        page_token: str | None = None,
    ) -> RunList:
        """One page of runs matching ``filter`` (see docs/search.md), in ``order_by`` order."""
        projects = [project] if isinstance(project, str) else list(project)
        page = self.backend.search_runs(projects, filter, order_by, limit, page_token)
        result = RunList(Run.from_record(r, self.backend) for r in page.runs)
        result.next_page_token = page.next_page_token
        return result

    def iter_runs(
        self,
        project: str | Sequence[str],
        filter: str | None = None,
        order_by: Sequence[str] = (),
        page_size: int = 1000,
    ) -> Iterator[Run]:
        """Every matching run, fetching pages as needed."""
        token: str | None = None
        while True:
            page = self.search_runs(project, filter, order_by, page_size, token)
            yield from page
            token = page.next_page_token
            if token is None:
                return

    # -- artifacts --------------------------------------------------------------------
    def get_artifact(self, ref: str) -> ArtifactVersion:
        """The version ``ref`` names: ``name:v3``, ``name:latest``, ``name:<alias>``."""
        return ArtifactVersion(self.backend.get_artifact_version(ref), self.backend)

    def list_artifacts(self, type: str | None = None) -> list[ArtifactRecord]:
        return self.backend.list_artifacts(type)

    def list_artifact_versions(self, name: str) -> list[ArtifactVersion]:
        return wrap(self.backend.list_artifact_versions(name), self.backend)

    def set_artifact_alias(self, name: str, alias: str, ref: str) -> ArtifactVersion:
        """Point ``alias`` of artifact ``name`` at ``ref`` (``v3``, ``3``, another alias, or
        ``name:v3``); moving an alias is recorded."""
        if ":" in ref:
            parsed = parse_ref(ref)
            if parsed.name != name:
                raise InvalidInputError(f"{ref!r} is not a version of artifact {name!r}")
            ref = parsed.selector
        return ArtifactVersion(self.backend.set_artifact_alias(name, alias, ref), self.backend)

    def artifact_alias_history(self, name: str) -> list[AliasEvent]:
        return self.backend.artifact_alias_history(name)

    def lineage(self, ref: str, direction: str = "both", depth: int | None = None) -> LineageGraph:
        """Runs and versions around ``ref``: ``upstream``, ``downstream`` or ``both``,
        ``depth`` generations (None: all of it; ``truncated`` says if a cap was hit)."""
        return self.backend.artifact_lineage(ref, direction, depth)

    def diff_artifacts(self, a: str, b: str) -> ManifestDiff:
        return self.backend.diff_artifacts(a, b)

    def delete_artifact_version(self, ref: str, force: bool = False) -> ArtifactVersion:
        """Delete a version; one another run consumed needs ``force`` (lineage stays)."""
        record = self.backend.delete_artifact_version(ref, force=force)
        return ArtifactVersion(record, self.backend)

    def log_artifact(
        self,
        path: str | os.PathLike[str] | None,
        name: str,
        type: str = "dataset",
        metadata: Mapping[str, Any] | None = None,
        aliases: Sequence[str] = (),
        *,
        description: str | None = None,
        progress: Progress | None = None,
        base: str | None = None,
        remove: Sequence[str] = (),
        references: Mapping[str, Reference | str] | None = None,
    ) -> ArtifactVersion:
        """Log a file or folder as a version of ``name`` with no producer run; ``base``,
        ``remove`` and ``references`` as in ``Run.log_artifact``."""
        return log_artifact(
            self.backend, path, name=name, type=type, metadata=metadata, aliases=aliases,
            description=description, progress=progress, base=base, remove=remove,
            references=references,
        )  # fmt: skip

    def collect_garbage(self, grace_s: float = 3600.0, dry_run: bool = False) -> GcReport:
        """Remove blobs no version references and older than ``grace_s`` seconds."""
        return self.backend.collect_garbage(grace_s, dry_run=dry_run)

    def close(self) -> None:
        self.backend.close()
