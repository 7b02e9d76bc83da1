"""Artifacts in the SDK: log a file or folder as a version, use it, download it.

``log_artifact`` hashes the files in parallel, asks the backend which blobs it lacks,
uploads only those (in parallel, bounded), then commits the manifest in one call: logging
unchanged files uploads nothing, and identical content returns the existing version.
``ArtifactVersion.download`` materialises a version from a local digest-keyed cache
(``$SHIPYARD_HOME/cache/blobs``), so a second download does no transfer.
``log_dataset`` stores a DataFrame as Parquet with its schema and column statistics.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.artifacts import (
    ArtifactVersionRecord,
    FileEntry,
    incremental,
    validate_artifact_path,
)
from shipyard.client.artifact_refs import Reference, describe, fetch
from shipyard.core.config import shipyard_home
from shipyard.core.errors import InvalidInputError
from shipyard.store.blobs import sha256_file, validate_digest

if TYPE_CHECKING:
    from shipyard.client.backend import Backend
    from shipyard.client.run import Run

__all__ = [
    "ArtifactVersion",
    "BlobCache",
    "Progress",
    "Reference",
    "log_artifact",
    "log_dataset",
    "store_files",
]

Progress = Callable[[int, int], None]
"""``progress(done_bytes, total_bytes)``: called from worker threads as bytes move."""

HASH_WORKERS = 8
TRANSFER_WORKERS = 8


class _Meter:
    """Thread-safe byte counter that reports to an optional ``Progress`` callback."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.done = total, 0
        self._progress = progress
        self._lock = threading.Lock()

    def add(self, size: int) -> None:
        with self._lock:
            self.done += size
            if self._progress is not None:
                self._progress(self.done, self.total)


# --- walking and hashing -------------------------------------------------------------------


def _inside(real: Path, real_root: Path, shown: Path) -> None:
    if real != real_root and not real.is_relative_to(real_root):
        raise InvalidInputError(
            f"{shown} is a symlink pointing outside {real_root} ({real}); only links "
            "inside the folder are followed",
            path=str(shown),
        )


def walk_files(path: str | os.PathLike[str]) -> list[tuple[str, Path]]:
    """``(relative POSIX path, file)`` for a file or every file under a folder, sorted.
    Nothing is skipped; symlinks are followed only when they stay inside the folder."""
    root = Path(path)
    if root.is_file():
        return [(validate_artifact_path(root.name), root)]
    if not root.is_dir():
        raise InvalidInputError(f"{root} is neither a file nor a folder", path=str(root))
    real_root = root.resolve()
    found: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        here = Path(dirpath)
        real_here = here.resolve()
        keep = []
        for name in sorted(dirnames):
            real = (here / name).resolve()
            _inside(real, real_root, here / name)
            if not real_here.is_relative_to(real):  # a link to an ancestor is a cycle
                keep.append(name)
        dirnames[:] = keep
        for name in filenames:
            file = here / name
            _inside(file.resolve(), real_root, file)
            if not file.is_file():
                raise InvalidInputError(f"{file} is not a regular file", path=str(file))
            found.append((validate_artifact_path(file.relative_to(root).as_posix()), file))
    return sorted(found)


def _hash_all(files: Sequence[tuple[str, Path]]) -> list[FileEntry]:
    with ThreadPoolExecutor(max_workers=HASH_WORKERS) as pool:
        sums = list(pool.map(lambda item: sha256_file(item[1]), files))
    return [
        FileEntry(rel, digest, size) for (rel, _), (digest, size) in zip(files, sums, strict=True)
    ]


def store_files(
    backend: Backend, files: Sequence[tuple[str, Path]], progress: Progress | None = None
) -> list[FileEntry]:
    """Store ``(artifact path, local file)`` pairs in the backend's blob store and return
    their manifest entries, without committing a version: the files are hashed, their
    digests leased (garbage collection keeps them until a commit within the grace
    period), and only blobs the store lacks are uploaded, each verified on arrival.
    Commit the entries with ``commit_stored`` (any process may do either half)."""
    files = [(validate_artifact_path(rel), Path(file)) for rel, file in files]
    entries = _hash_all(files)
    _upload_missing(backend, files, entries, progress)
    return entries


def log_artifact(
    backend: Backend,
    path: str | os.PathLike[str] | None,
    *,
    name: str,
    type: str = "dataset",
    metadata: Mapping[str, Any] | None = None,
    aliases: Sequence[str] = (),
    run_id: str | None = None,
    description: str | None = None,
    progress: Progress | None = None,
    base: str | None = None,
    remove: Sequence[str] = (),
    references: Mapping[str, Reference | str] | None = None,
    files: Sequence[tuple[str, Path]] | None = None,
) -> ArtifactVersion:
    """Log the file or folder at ``path`` as a new version of artifact ``name``.

    With ``base`` (``name:vN``), the new version starts from that version's files:
    ``remove`` drops paths or folders, then the files of ``path`` (if any) are added or
    replace those at the same paths. ``references`` maps artifact paths to external
    objects recorded instead of copied. Only blobs the store lacks are uploaded;
    identical content returns the existing version. ``progress(done, total)`` counts
    bytes (already-stored files count at once)."""
    if files is None:
        files = walk_files(path) if path is not None else []
    if not files and base is None and not references:
        raise InvalidInputError("Nothing to log: give a path, a base version or references")
    if remove and base is None:
        raise InvalidInputError("remove= needs a base version to remove files from")
    entries = store_files(backend, files, progress)
    entries += [describe(p, ref) for p, ref in (references or {}).items()]
    if base is not None:
        entries = incremental(_base_entries(backend, base), entries, remove)
    record = backend.commit_artifact(
        name, type, entries, metadata=metadata, run_id=run_id, aliases=list(aliases),
        description=description,
    )  # fmt: skip
    return ArtifactVersion(record, backend)


def _base_entries(backend: Backend, base: str) -> list[FileEntry]:
    """The base version's entries, its blobs leased (so GC keeps them until the commit
    even if the base version is deleted meanwhile) and checked to be stored."""
    entries = backend.artifact_files(base)
    digests = [str(e.digest) for e in entries if not e.is_reference]
    missing = backend.missing_blobs(digests) if digests else []
    if missing:
        raise InvalidInputError(
            f"Base version {base!r} names blobs the store no longer holds "
            f"({', '.join(d[:12] for d in missing[:5])}); log the files again instead",
            ref=base,
        )
    return entries


def _upload_missing(
    backend: Backend,
    files: Sequence[tuple[str, Path]],
    entries: Sequence[FileEntry],
    progress: Progress | None,
) -> None:
    local = {str(e.digest): file for e, (_, file) in zip(entries, files, strict=True)}
    sizes = {str(e.digest): e.size for e in entries}
    missing = set(backend.missing_blobs(list(local))) if local else set()
    meter = _Meter(sum(sizes.values()), progress)
    meter.add(sum(size for digest, size in sizes.items() if digest not in missing))

    def upload(digest: str) -> None:
        backend.upload_blob(local[digest], digest)
        meter.add(sizes[digest])

    with ThreadPoolExecutor(max_workers=TRANSFER_WORKERS) as pool:
        list(pool.map(upload, sorted(missing)))


# --- the cache and downloads ---------------------------------------------------------------


class BlobCache:
    """Verified blobs keyed by digest: ``<folder>/<d[:2]>/<digest>``
    (default ``$SHIPYARD_HOME/cache/blobs``)."""

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        base = Path(folder) if folder is not None else shipyard_home() / "cache" / "blobs"
        self.folder = base.expanduser().absolute()

    def path_for(self, digest: str) -> Path:
        digest = validate_digest(digest)
        return self.folder / digest[:2] / digest

    def fetch(self, backend: Backend, digest: str, size: int | None = None) -> tuple[Path, bool]:
        """``(cached file, downloaded?)``; the backend verifies a download before it
        appears in the cache, so a cached file is a verified one."""
        path = self.path_for(digest)
        if path.is_file() and (size is None or path.stat().st_size == size):
            return path, False
        path.parent.mkdir(parents=True, exist_ok=True)
        return backend.download_blob(digest, path), True


def _place(cached: Path, dest: Path) -> None:
    """Copy ``cached`` to ``dest`` through a temp name (never a half-written file)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f"{dest.name}.tmp-{uuid.uuid4().hex}")
    try:
        shutil.copyfile(cached, tmp)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


class ArtifactVersion:
    """One version of an artifact, as logged or looked up (``name:vN``)."""

    def __init__(self, record: ArtifactVersionRecord, backend: Backend) -> None:
        self.record = record
        self.backend = backend

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def version(self) -> int:
        return self.record.version

    @property
    def digest(self) -> str:
        """The manifest digest: the same files always give the same digest."""
        return self.record.digest

    @property
    def type(self) -> str:
        return self.record.type

    @property
    def producer_run_id(self) -> str | None:
        return self.record.producer_run_id

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self.record.metadata)

    @property
    def aliases(self) -> tuple[str, ...]:
        return self.record.aliases

    @property
    def ref(self) -> str:
        """``name:vN``."""
        return self.record.ref

    def __repr__(self) -> str:
        return f"ArtifactVersion({self.ref!r}, type={self.type!r}, digest={self.digest[:12]!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ArtifactVersion) and other.record.id == self.record.id

    def __hash__(self) -> int:
        return hash(self.record.id)

    def files(self) -> list[FileEntry]:
        """The manifest: every entry (stored files and references), sorted by path."""
        return self.backend.artifact_files(self.ref)

    def download(
        self,
        root: str | os.PathLike[str] | None = None,
        *,
        progress: Progress | None = None,
        references: bool = True,
    ) -> Path:
        """Materialise the files into ``root`` (default
        ``$SHIPYARD_HOME/artifacts/<name>/v<version>``) and return it.

        Blobs come from the digest cache, downloaded (and verified) only when missing, so
        a second download transfers nothing. Reference entries are fetched by this
        client from their own URIs (never through the server) and checked against the
        size and SHA-256 or ETag recorded; ``references=False`` skips them."""
        target = Path(root) if root is not None else self._default_root()
        target.mkdir(parents=True, exist_ok=True)
        real_target = target.resolve()
        entries = self.files()
        stored = [e for e in entries if not e.is_reference]
        refs = [e for e in entries if e.is_reference] if references else []
        cache = BlobCache()
        sizes = {str(e.digest): e.size for e in stored}
        meter = _Meter(sum(sizes.values()) + sum(e.size for e in refs), progress)
        cached: dict[str, Path] = {}

        def fetch_blob(digest: str) -> None:
            cached[digest] = cache.fetch(self.backend, digest, sizes[digest])[0]
            meter.add(sizes[digest])

        def fetch_ref(entry: FileEntry) -> None:
            fetch(entry, _inside_target(real_target, target, entry.path))
            meter.add(entry.size)

        with ThreadPoolExecutor(max_workers=TRANSFER_WORKERS) as pool:
            list(pool.map(fetch_blob, sorted(sizes)))
            list(pool.map(fetch_ref, refs))
        for entry in stored:
            dest = _inside_target(real_target, target, entry.path)
            _place(cached[str(entry.digest)], dest)
        return target

    def _default_root(self) -> Path:
        return shipyard_home() / "artifacts" / self.name / f"v{self.version}"


def _inside_target(real_target: Path, target: Path, path: str) -> Path:
    dest = real_target / validate_artifact_path(path)
    if not dest.resolve().is_relative_to(real_target):
        raise InvalidInputError(f"{path!r} escapes {target}", path=path)
    return dest


def wrap(records: Iterable[ArtifactVersionRecord], backend: Backend) -> list[ArtifactVersion]:
    return [ArtifactVersion(r, backend) for r in records]


# --- datasets ------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        return None
    return as_float if math.isfinite(as_float) else None


def _column_stats(series: Any) -> dict[str, Any]:
    import pandas as pd

    count = int(series.count())
    stats: dict[str, Any] = {"count": count, "nulls": int(len(series) - count)}
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.dropna()
        for key in ("mean", "std", "min", "max"):
            stats[key] = _number(getattr(values, key)()) if count else None
        return stats
    counts = series.dropna().astype(str).value_counts()
    stats["unique"] = len(counts)
    stats["top"] = str(counts.index[0]) if len(counts) else None
    return stats


def dataset_metadata(df: Any) -> dict[str, Any]:
    """``{schema, rows, columns}``: the schema, the row count and per-column statistics."""
    return {
        "schema": [{"name": str(c), "type": str(df[c].dtype)} for c in df.columns],
        "rows": len(df),
        "columns": {str(c): _column_stats(df[c]) for c in df.columns},
    }


def _read_frame(df_or_path: Any) -> Any:
    import pandas as pd

    if isinstance(df_or_path, pd.DataFrame):
        return df_or_path
    if isinstance(df_or_path, str | os.PathLike):
        path = Path(df_or_path)
        suffix = path.suffix.lower()
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if suffix in (".csv", ".tsv"):
            return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",")
        raise InvalidInputError(f"{path} is not a .parquet or .csv file", path=str(path))
    raise InvalidInputError(
        f"log_dataset takes a pandas DataFrame or a Parquet/CSV path, not {type(df_or_path)}"
    )


def log_dataset(
    df_or_path: Any,
    name: str,
    *,
    run: Run | None = None,
    metadata: Mapping[str, Any] | None = None,
    aliases: Sequence[str] = (),
    tracking_uri: str | None = None,
) -> ArtifactVersion:
    """Store a DataFrame (or a Parquet/CSV file) as ``data.parquet`` in a ``dataset``
    artifact whose metadata holds the schema, row count and per-column statistics
    (numeric: count, nulls, mean, std, min, max; others: count, nulls, unique, top),
    merged with ``metadata``. Logged through ``run``, else the active run, else without
    a producer run (through ``tracking_uri``, default SHIPYARD_TRACKING_URI). The same
    frame logged again returns the existing version."""
    from shipyard.client import fluent
    from shipyard.client.factory import backend_for

    df = _read_frame(df_or_path)
    merged = {**dataset_metadata(df), **dict(metadata or {})}
    run = run or fluent.active_run()
    with tempfile.TemporaryDirectory(prefix="shipyard-dataset-") as folder:
        df.to_parquet(Path(folder) / "data.parquet", engine="pyarrow")
        if run is not None:
            return run.log_artifact(
                folder, name=name, type="dataset", metadata=merged, aliases=aliases
            )
        return log_artifact(  # the version keeps the backend, so it stays open
            backend_for(tracking_uri),
            folder,
            name=name,
            type="dataset",
            metadata=merged,
            aliases=aliases,
        )
