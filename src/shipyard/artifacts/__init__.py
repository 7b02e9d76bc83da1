"""Versioned artifacts: manifests of content-addressed files, aliases and lineage.

``ArtifactService`` holds the rules; ``FileEntry`` / ``manifest_digest`` / ``diff``
describe manifests; ``parse_ref`` reads ``name:v3`` / ``name:alias`` /
``artifacts:/name:ref``; ``validate_artifact_path`` guards every path.
"""

from shipyard.artifacts.manifest import (
    FileChange,
    FileEntry,
    ManifestDiff,
    apply_diff,
    diff,
    incremental,
    manifest_digest,
)
from shipyard.artifacts.paths import TRAVERSAL_CORPUS, validate_artifact_path
from shipyard.artifacts.records import (
    AliasEvent,
    ArtifactRecord,
    ArtifactVersionRecord,
    GcReport,
    LineageEdge,
    LineageGraph,
    LineageNode,
    VersionState,
)
from shipyard.artifacts.refs import ArtifactRef, parse_ref
from shipyard.artifacts.service import ArtifactService

__all__ = [
    "TRAVERSAL_CORPUS",
    "AliasEvent",
    "ArtifactRecord",
    "ArtifactRef",
    "ArtifactService",
    "ArtifactVersionRecord",
    "FileChange",
    "FileEntry",
    "GcReport",
    "LineageEdge",
    "LineageGraph",
    "LineageNode",
    "ManifestDiff",
    "VersionState",
    "apply_diff",
    "diff",
    "incremental",
    "manifest_digest",
    "parse_ref",
    "validate_artifact_path",
]
