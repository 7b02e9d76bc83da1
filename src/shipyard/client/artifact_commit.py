"""Committing a version from blobs stored beforehand, possibly by other processes.

``log_artifact`` hashes, uploads and commits in one call. When many processes produce
the files of one version (the workers of a batch prediction), each stores its own files
with ``store_files`` (or a picklable ``BlobWriter`` handed to it) and returns their
entries; one process then commits them all with ``commit_stored``, which leases every
digest again and checks it is stored before the version becomes visible. Against a
server the workers upload through its blob endpoints (the server verifies each upload)
and the commit is refused there too if a blob is missing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.artifacts import FileEntry
from shipyard.client.artifacts import ArtifactVersion, store_files
from shipyard.core.errors import InvalidInputError

if TYPE_CHECKING:
    from shipyard.client.backend import Backend
    from shipyard.client.local_artifacts import LocalArtifacts

__all__ = ["BlobWriter", "commit_stored"]


def commit_stored(
    backend: Backend,
    entries: Iterable[FileEntry],
    *,
    name: str,
    type: str = "dataset",
    metadata: Mapping[str, Any] | None = None,
    aliases: Sequence[str] = (),
    run_id: str | None = None,
    description: str | None = None,
) -> ArtifactVersion:
    """Commit a version of ``name`` from entries whose blobs are already stored.

    Every digest is leased (so garbage collection cannot take a blob between this check
    and the commit) and must be in the blob store: a missing one is ``InvalidInputError``
    naming its path, and nothing is committed. Identical content returns the existing
    version, as with ``log_artifact``."""
    checked = [e.checked() for e in entries]
    if not checked:
        raise InvalidInputError(f"Nothing to commit as {name!r}: no files were stored")
    stored = {str(e.digest): e.path for e in checked if not e.is_reference}
    missing = backend.missing_blobs(list(stored)) if stored else []
    if missing:
        raise InvalidInputError(
            f"Blob {missing[0]} of {stored[missing[0]]!r} is not in the blob store "
            f"({len(missing)} missing); store the files before committing the version",
            digest=missing[0],
            path=stored[missing[0]],
        )
    record = backend.commit_artifact(
        name, type, checked, metadata=metadata, run_id=run_id, aliases=list(aliases),
        description=description,
    )  # fmt: skip
    return ArtifactVersion(record, backend)


# Backends opened by ``BlobWriter`` in this process, one per target.
_OPEN: dict[tuple[str, str, str | None], Any] = {}
_OPEN_LOCK = threading.Lock()


@dataclass(frozen=True)
class BlobWriter:
    """A picklable handle on a backend's blob store for worker processes:
    ``writer([(path, file), ...])`` stores the files (``store_files``) and returns their
    entries. Each process opens the backend once: for a server, an HTTP client
    (``SHIPYARD_TOKEN`` from the environment, as the parent's); embedded, the blob
    store and the metadata database, which records the leases."""

    kind: str
    url: str
    blobs_url: str | None = None

    @classmethod
    def for_backend(cls, backend: Backend) -> BlobWriter:
        from shipyard.client.http import HttpBackend
        from shipyard.client.local import LocalBackend

        if isinstance(backend, HttpBackend):
            return cls("http", backend.uri)
        if isinstance(backend, LocalBackend):
            return cls("local", backend.uri, backend.blobs.url)
        raise InvalidInputError(f"no blob writer for a {type(backend).__name__}")

    def __call__(self, files: Sequence[tuple[str, Path]]) -> list[FileEntry]:
        return store_files(self._backend(), files)

    def _backend(self) -> Backend:
        key = (self.kind, self.url, self.blobs_url)
        with _OPEN_LOCK:
            found = _OPEN.get(key)
            if found is None:
                found = _OPEN[key] = self._open()
            return found  # type: ignore[no-any-return]

    def _open(self) -> Any:
        if self.kind == "http":
            from shipyard.client.http import HttpBackend

            return HttpBackend(self.url)
        return _local_blobs(self.url, self.blobs_url or "")


def _local_blobs(database_url: str, blobs_url: str) -> LocalArtifacts:
    """Artifacts over this process's engine for ``database_url`` and the blob store at
    ``blobs_url``."""
    from shipyard.client.local import shared_engine
    from shipyard.client.local_artifacts import LocalArtifacts

    return LocalArtifacts(shared_engine(database_url), blobs_url)
