"""Manifests: the files of an artifact version, their canonical digest, and diffs.

An entry is either stored (``digest`` = SHA-256 of the bytes in the blob store) or a
reference to an external object (``ref_uri`` with its size, optional ETag and optional
SHA-256). The manifest digest is the SHA-256 of the canonical JSON of the entries sorted by
path, so the same files always give the same digest whatever order they were listed in,
and any change to a path, digest, size or reference gives another one.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from shipyard.artifacts.paths import validate_artifact_path
from shipyard.core.errors import InvalidInputError

__all__ = [
    "REFERENCE_SCHEMES",
    "FileChange",
    "FileEntry",
    "ManifestDiff",
    "apply_diff",
    "canonical_manifest",
    "diff",
    "incremental",
    "manifest_digest",
    "normalize_entries",
    "normalized_manifest",
]

MANIFEST_FORMAT = "shipyard.manifest/1"
REFERENCE_SCHEMES = ("s3", "gs", "file", "https")
MAX_ETAG_LENGTH = 256
_DIGEST = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One file of a manifest: stored (``digest``) or a reference (``ref_uri``)."""

    path: str
    digest: str | None
    size: int
    ref_uri: str | None = None
    ref_etag: str | None = None

    @property
    def is_reference(self) -> bool:
        return self.ref_uri is not None

    def checked(self) -> FileEntry:
        """This entry with its path normalised, or ``InvalidInputError`` naming the path."""
        path = validate_artifact_path(self.path)
        if self.digest is not None and not (
            isinstance(self.digest, str) and _DIGEST.fullmatch(self.digest)
        ):
            raise _bad(path, f"digest {self.digest!r:.80} is not 64 lowercase hex characters")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise _bad(path, f"size {self.size!r:.40} is not a non-negative integer")
        if self.ref_uri is None:
            if self.digest is None:
                raise _bad(path, "it has neither a digest nor a reference URI")
            if self.ref_etag is not None:
                raise _bad(path, "an ETag is only meaningful on a reference")
        else:
            _check_reference(path, self.ref_uri, self.ref_etag)
        if path == self.path:
            return self
        return FileEntry(path, self.digest, self.size, self.ref_uri, self.ref_etag)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "digest": self.digest,
            "size": self.size,
            "ref_uri": self.ref_uri,
            "ref_etag": self.ref_etag,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FileEntry:
        try:
            return cls(
                path=data["path"],
                digest=data.get("digest"),
                size=data["size"],
                ref_uri=data.get("ref_uri"),
                ref_etag=data.get("ref_etag"),
            )
        except (KeyError, TypeError) as exc:
            raise InvalidInputError(f"Malformed manifest entry {data!r:.200}: {exc}") from exc


def _check_reference(path: str, uri: object, etag: object) -> None:
    if not isinstance(uri, str) or "://" not in uri:
        raise _bad(path, f"reference {uri!r:.200} is not a URI")
    scheme = uri.split("://", 1)[0].lower()
    if scheme not in REFERENCE_SCHEMES:
        allowed = ", ".join(f"{s}://" for s in REFERENCE_SCHEMES)
        raise _bad(path, f"reference scheme {scheme!r:.40} is not one of {allowed}")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in uri):
        raise _bad(path, "the reference URI contains control characters")
    if etag is not None and (
        not isinstance(etag, str) or len(etag) > MAX_ETAG_LENGTH or "\x00" in etag
    ):
        raise _bad(path, f"ETag {etag!r:.80} is not a string of at most {MAX_ETAG_LENGTH}")


def _bad(path: str, reason: str) -> InvalidInputError:
    return InvalidInputError(f"Manifest entry {path!r}: {reason}", path=path)


def normalize_entries(entries: Iterable[FileEntry]) -> list[FileEntry]:
    """Every entry checked and its path normalised, sorted by path; two entries for the
    same (normalised) path are an error."""
    checked = sorted((e.checked() for e in entries), key=lambda e: e.path)
    for before, after in itertools.pairwise(checked):
        if before.path == after.path:
            raise InvalidInputError(f"Manifest lists {after.path!r} twice", path=after.path)
    return checked


def canonical_manifest(entries: Iterable[FileEntry]) -> bytes:
    """The canonical JSON bytes the manifest digest is computed over."""
    return _canonical(normalize_entries(entries))


def _canonical(checked: list[FileEntry]) -> bytes:
    body = {"format": MANIFEST_FORMAT, "files": [e.to_dict() for e in checked]}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def manifest_digest(entries: Iterable[FileEntry]) -> str:
    """SHA-256 (hex) of the canonical manifest: independent of the entries' order."""
    return normalized_manifest(entries)[1]


def normalized_manifest(entries: Iterable[FileEntry]) -> tuple[list[FileEntry], str]:
    """The checked entries sorted by path, and their manifest digest (validated once)."""
    checked = normalize_entries(entries)
    return checked, hashlib.sha256(_canonical(checked)).hexdigest()


@dataclass(frozen=True, slots=True)
class FileChange:
    """A path present in both manifests with different content or reference."""

    before: FileEntry
    after: FileEntry

    @property
    def path(self) -> str:
        return self.after.path

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "before": self.before.to_dict(), "after": self.after.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FileChange:
        return cls(FileEntry.from_dict(data["before"]), FileEntry.from_dict(data["after"]))


@dataclass(frozen=True, slots=True)
class ManifestDiff:
    """What changed from manifest ``a`` to manifest ``b``, each part sorted by path."""

    added: tuple[FileEntry, ...]
    removed: tuple[FileEntry, ...]
    changed: tuple[FileChange, ...]
    unchanged_count: int

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": [e.to_dict() for e in self.added],
            "removed": [e.to_dict() for e in self.removed],
            "changed": [c.to_dict() for c in self.changed],
            "unchanged_count": self.unchanged_count,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ManifestDiff:
        return cls(
            added=tuple(FileEntry.from_dict(e) for e in data.get("added", ())),
            removed=tuple(FileEntry.from_dict(e) for e in data.get("removed", ())),
            changed=tuple(FileChange.from_dict(c) for c in data.get("changed", ())),
            unchanged_count=int(data.get("unchanged_count", 0)),
        )


def diff(a_entries: Iterable[FileEntry], b_entries: Iterable[FileEntry]) -> ManifestDiff:
    """Entries only in ``b`` (added), only in ``a`` (removed), in both but different
    (changed), and how many are identical. Paths are compared as given."""
    a = {e.path: e for e in a_entries}
    b = {e.path: e for e in b_entries}
    added = tuple(b[p] for p in sorted(b.keys() - a.keys()))
    removed = tuple(a[p] for p in sorted(a.keys() - b.keys()))
    both = sorted(a.keys() & b.keys())
    changed = tuple(FileChange(a[p], b[p]) for p in both if a[p] != b[p])
    return ManifestDiff(added, removed, changed, len(both) - len(changed))


def apply_diff(entries: Iterable[FileEntry], change: ManifestDiff) -> list[FileEntry]:
    """``entries`` with ``change`` applied (sorted by path): ``apply_diff(a, diff(a, b))``
    has the same entries as ``b``. Use it to build an incremental version."""
    files = {e.path: e for e in entries}
    for entry in change.removed:
        files.pop(entry.path, None)
    for item in change.changed:
        files[item.path] = item.after
    for entry in change.added:
        files[entry.path] = entry
    return [files[p] for p in sorted(files)]


def incremental(
    base: Iterable[FileEntry], added: Iterable[FileEntry], remove: Iterable[str] = ()
) -> list[FileEntry]:
    """The entries of a new version built on ``base``: each path (or folder) in
    ``remove`` dropped first, then ``added`` put in (replacing entries at the same path),
    sorted by path. Removing a path ``base`` does not have is an error naming it."""
    files = list(base)
    gone: dict[str, FileEntry] = {}
    for raw in remove:
        target = validate_artifact_path(str(raw).rstrip("/"))
        matches = [e for e in files if e.path == target or e.path.startswith(f"{target}/")]
        if not matches:
            raise InvalidInputError(
                f"Cannot remove {target!r}: the base version has no such file or folder",
                path=target,
            )
        gone.update((e.path, e) for e in matches)
    files = [e for e in files if e.path not in gone]
    fresh = tuple(normalize_entries(added))
    change = ManifestDiff(added=fresh, removed=tuple(gone.values()), changed=(), unchanged_count=0)
    return apply_diff(files, change)
