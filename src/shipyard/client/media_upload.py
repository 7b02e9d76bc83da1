"""Send media values of ``run.log``: encode, upload the blobs the store lacks, record."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from shipyard.client.backend import Backend
from shipyard.media import Media, MediaPart, MediaRecord, MediaSpec


def log_media_values(
    backend: Backend, run_id: str, values: Mapping[str, Sequence[Media]], step: int
) -> list[MediaRecord]:
    """Store each key's items at ``step`` (index = position in the list)."""
    specs: list[MediaSpec] = []
    parts: dict[str, MediaPart] = {}
    for key, items in values.items():
        for index, item in enumerate(items):
            encoded = item.encode()
            specs.append(MediaSpec.from_encoded(key, step, index, encoded))
            for part in (encoded.main, *encoded.extras.values()):
                parts[part.digest] = part
    for digest in backend.missing_blobs(list(parts)):
        _upload(backend, parts[digest], digest)
    return backend.log_media(run_id, specs)


def _upload(backend: Backend, part: MediaPart, digest: str) -> None:
    fd, name = tempfile.mkstemp(prefix="shipyard-media-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(part.data)
        backend.upload_blob(Path(name), digest)
    finally:
        Path(name).unlink(missing_ok=True)
