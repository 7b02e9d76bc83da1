"""Reading media files from disk: size caps and content types by signature."""

from __future__ import annotations

import os
from pathlib import Path

from shipyard.core.errors import InvalidInputError

MAX_MEDIA_BYTES = 512 * 1024 * 1024

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"fLaC", "audio/flac"),
    (b"OggS", "audio/ogg"),
    (b"ID3", "audio/mpeg"),
    (b"\xff\xfb", "audio/mpeg"),
    (b"\x1a\x45\xdf\xa3", "video/webm"),
)


def sniff(data: bytes) -> str | None:
    """The content type from a file's first bytes, or None when unknown."""
    for magic, mime in _SIGNATURES:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    return None


def read_media_file(
    path: str | os.PathLike[str], what: str, allowed: frozenset[str]
) -> tuple[bytes, str]:
    """The bytes and content type of a media file whose type is one of ``allowed``."""
    p = Path(path)
    if not p.is_file():
        raise InvalidInputError(f"{what} file {str(p)!r} does not exist")
    if p.stat().st_size > MAX_MEDIA_BYTES:
        raise InvalidInputError(f"{what} file {str(p)!r} is larger than {MAX_MEDIA_BYTES} bytes")
    data = p.read_bytes()
    mime = sniff(data)
    if mime is None or mime not in allowed:
        kinds = ", ".join(sorted(allowed))
        raise InvalidInputError(f"{what} file {str(p)!r} is not one of: {kinds}")
    return data, mime
