"""The artifacts half of the ``Backend`` protocol: blobs, versions, aliases, lineage.

References are strings: ``name``, ``name:v3``, ``name:latest``, ``name:<alias>`` or
``artifacts:/name:<ref>``. Blob transfer is split from committing a manifest so a client
uploads only the blobs the store lacks, then commits the version in one call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from shipyard.artifacts import (
    AliasEvent,
    ArtifactRecord,
    ArtifactVersionRecord,
    FileEntry,
    GcReport,
    LineageGraph,
    ManifestDiff,
)


@runtime_checkable
class ArtifactBackend(Protocol):
    """What the SDK needs to store and find artifacts."""

    def missing_blobs(self, digests: Sequence[str]) -> list[str]:
        """The digests among ``digests`` the blob store does not hold yet."""
        ...

    def upload_blob(self, path: Path, digest: str) -> None:
        """Store a file whose SHA-256 the caller computed (verified on arrival)."""
        ...

    def download_blob(self, digest: str, dest: Path) -> Path:
        """Write a blob to ``dest`` (verified before it appears there)."""
        ...

    def commit_artifact(
        self,
        name: str,
        type: str,
        entries: Sequence[FileEntry],
        *,
        metadata: Mapping[str, Any] | None = None,
        run_id: str | None = None,
        aliases: Sequence[str] = (),
        description: str | None = None,
    ) -> ArtifactVersionRecord:
        """Record a version from entries whose blobs are stored; identical content
        returns the existing version."""
        ...

    def get_artifact_version(self, ref: str) -> ArtifactVersionRecord: ...

    def artifact_files(self, ref: str) -> list[FileEntry]: ...

    def list_artifacts(self, type: str | None = None) -> list[ArtifactRecord]: ...

    def list_artifact_versions(self, name: str) -> list[ArtifactVersionRecord]: ...

    def set_artifact_alias(self, name: str, alias: str, ref: str) -> ArtifactVersionRecord: ...

    def artifact_alias_history(self, name: str) -> list[AliasEvent]: ...

    def use_artifact(self, run_id: str, ref: str) -> ArtifactVersionRecord:
        """Record that ``run_id`` consumed the version (an input lineage edge)."""
        ...

    def artifact_lineage(
        self, ref: str, direction: str = "both", depth: int | None = None
    ) -> LineageGraph: ...

    def run_artifacts(self, run_id: str) -> dict[str, list[ArtifactVersionRecord]]:
        """``{"input": [...], "output": [...]}``: the versions a run consumed and produced."""
        ...

    def diff_artifacts(self, ref_a: str, ref_b: str) -> ManifestDiff: ...

    def delete_artifact_version(
        self, ref: str, *, force: bool = False
    ) -> ArtifactVersionRecord: ...

    def collect_garbage(self, grace_s: float = 3600.0, *, dry_run: bool = False) -> GcReport: ...
