"""Committing a scored batch run: one ``predictions`` version from the parts the workers
stored, and the optional file and SQL copies, all or nothing.

Order: the file copy is staged (not yet ``current``), the SQL rows are inserted in an
open transaction, the artifact version is committed, then the SQL transaction, then the
``current`` link moves. A failure before the version is committed rolls the SQL back and
drops the staged files; a failed SQL commit withdraws the just-committed version, so the
previous predictions stay the latest everywhere.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipyard.artifacts import FileEntry
from shipyard.batch import (
    PREDICTIONS_TYPE,
    Scored,
    SqlCopy,
    discard_files,
    publish_files,
    read_parts,
    stage_files,
)
from shipyard.batch.layout import partition_of
from shipyard.client import Client, Run
from shipyard.client.artifacts import ArtifactVersion


@dataclass(frozen=True)
class Committed:
    artifact: ArtifactVersion
    dates: list[str]
    files: Path | None
    sql_rows: int | None


def commit_run(  # noqa: PLR0917 - internal: the run's pieces, in order
    run: Run, client: Client, scored: Scored, out: Path, args: dict[str, Any], info: dict[str, Any]
) -> Committed:
    """Commit the stored parts of ``scored`` as a version of ``args["output"]``, with
    the file and SQL copies ``args`` asks for."""
    entries = sorted((FileEntry(p.path, p.digest, p.size) for p in scored.parts), key=_path)
    dates = sorted({d for d in (partition_of(e.path) for e in entries) if d})
    meta = {
        **{k: v for k, v in info.items() if k != "predicted_at"},
        "rows": scored.rows, "dates": dates, "model_uri": args["model_uri"],
        "predicted_at": info["predicted_at"].isoformat(),
    }  # fmt: skip
    copies = args["files_dir"] is not None or args["sql_url"] is not None
    local = _local_parts(client, out, entries) if copies else []
    staged = None
    if args["files_dir"] is not None:
        staged = stage_files(local, Path(args["files_dir"]), args["output"], run.id)
    artifact: ArtifactVersion | None = None
    sql_rows = None
    try:
        with _sql(args) as sql:
            if sql is not None:
                for part in local:
                    sql.insert(read_parts([part]))
            artifact = run.commit_artifact(
                entries, name=args["output"], type=PREDICTIONS_TYPE, metadata=meta
            )
            sql_rows = None if sql is None else sql.rows
    except BaseException:
        if staged is not None:
            discard_files(staged)
        if artifact is not None and artifact.producer_run_id == run.id:
            _withdraw(client, artifact)
        raise
    files = publish_files(staged) if staged is not None else None
    return Committed(artifact, dates, files, sql_rows)


def _path(entry: FileEntry) -> str:
    return entry.path


def _sql(args: dict[str, Any]) -> contextlib.AbstractContextManager[SqlCopy | None]:
    if args["sql_url"] is None:
        return contextlib.nullcontext()
    return SqlCopy(args["sql_url"], args["sql_table"])


def _local_parts(client: Client, out: Path, entries: list[FileEntry]) -> list[tuple[str, Path]]:
    """Each part as a local file: the worker's own copy when it is here (local
    processes), else downloaded from the blob store and verified (Ray workers, which
    may run on other machines, keep none)."""
    parts = []
    for entry in entries:
        local = out / entry.path
        if not (local.is_file() and local.stat().st_size == entry.size):
            client.backend.download_blob(str(entry.digest), local)
        parts.append((entry.path, local))
    return parts


def _withdraw(client: Client, artifact: ArtifactVersion) -> None:
    """Delete a version whose SQL copy failed to commit (``latest`` moves back)."""
    with contextlib.suppress(Exception):  # the SQL error is the one to report
        client.backend.delete_artifact_version(artifact.ref, force=True)
