"""Embedded implementation of ``ArtifactBackend``: the artifact service and a blob store."""

from __future__ import annotations

import getpass
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from shipyard.artifacts import (
    AliasEvent,
    ArtifactRecord,
    ArtifactService,
    ArtifactVersionRecord,
    FileEntry,
    GcReport,
    LineageGraph,
    ManifestDiff,
    parse_ref,
)
from shipyard.core.config import ENV_ARTIFACTS_URI, default_artifacts_uri
from shipyard.store.blobs import BlobStore

__all__ = ["ENV_ARTIFACTS_URI", "LocalArtifacts", "default_artifacts_uri"]


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


class LocalArtifacts:
    """Artifacts over an engine and a blob store, in-process."""

    def __init__(self, engine: Engine, artifacts_uri: str) -> None:
        self.artifacts = ArtifactService(engine)
        self.blobs = BlobStore(artifacts_uri)

    def missing_blobs(self, digests: Sequence[str]) -> list[str]:
        unique = list(dict.fromkeys(digests))
        self.artifacts.lease_blobs(unique)  # GC keeps them until the commit
        return [d for d in unique if not self.blobs.exists(d)]

    def upload_blob(self, path: Path, digest: str) -> None:
        self.blobs.put_file(path, expected_digest=digest)

    def download_blob(self, digest: str, dest: Path) -> Path:
        return self.blobs.get_file(digest, dest)

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
        return self.artifacts.commit_version(
            name, type, entries, metadata=metadata, run_id=run_id, aliases=aliases,
            description=description, user=_user(),
        )  # fmt: skip

    def get_artifact_version(self, ref: str) -> ArtifactVersionRecord:
        return self.artifacts.resolve(ref)

    def artifact_files(self, ref: str) -> list[FileEntry]:
        return self.artifacts.files(self.artifacts.resolve(ref).id)

    def list_artifacts(self, type: str | None = None) -> list[ArtifactRecord]:
        return self.artifacts.list_artifacts(type)

    def list_artifact_versions(self, name: str) -> list[ArtifactVersionRecord]:
        return self.artifacts.list_versions(name)

    def set_artifact_alias(self, name: str, alias: str, ref: str) -> ArtifactVersionRecord:
        return self.artifacts.set_alias(name, alias, ref, user=_user())

    def artifact_alias_history(self, name: str) -> list[AliasEvent]:
        return self.artifacts.alias_history(name)

    def use_artifact(self, run_id: str, ref: str) -> ArtifactVersionRecord:
        parsed = parse_ref(ref)
        return self.artifacts.record_use(run_id, parsed.name, parsed.selector)

    def artifact_lineage(
        self, ref: str, direction: str = "both", depth: int | None = None
    ) -> LineageGraph:
        return self.artifacts.lineage(ref, direction, depth)

    def run_artifacts(self, run_id: str) -> dict[str, list[ArtifactVersionRecord]]:
        return self.artifacts.run_artifacts(run_id)

    def diff_artifacts(self, ref_a: str, ref_b: str) -> ManifestDiff:
        return self.artifacts.diff(ref_a, ref_b)

    def delete_artifact_version(self, ref: str, *, force: bool = False) -> ArtifactVersionRecord:
        parsed = parse_ref(ref)
        return self.artifacts.delete_version(
            parsed.name, parsed.selector, force=force, user=_user()
        )

    def collect_garbage(self, grace_s: float = 3600.0, *, dry_run: bool = False) -> GcReport:
        return self.artifacts.gc(self.blobs, grace_s, dry_run=dry_run)
