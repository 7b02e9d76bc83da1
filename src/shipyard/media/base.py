"""The base of every loggable media value and what encoding one produces."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import orjson

from shipyard.core.errors import InvalidInputError

KINDS = (
    "image", "audio", "video", "table", "histogram", "text", "prompt", "point_cloud",
    "embeddings", "plotly",
)  # fmt: skip

# What each kind may be stored as; the server serves a blob only with its own type.
MIMES: dict[str, frozenset[str]] = {
    "image": frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"}),
    "audio": frozenset({"audio/wav", "audio/mpeg", "audio/ogg", "audio/flac"}),
    "video": frozenset({"video/mp4", "video/webm", "image/gif"}),
    "table": frozenset({"application/vnd.apache.parquet"}),
}
JSON_MIME = "application/json"
PART_MIMES = frozenset({"image/png"})
MAX_CAPTION = 4096


@dataclass(frozen=True)
class MediaPart:
    """Bytes of one stored file and their content type."""

    data: bytes
    mime: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class EncodedMedia:
    """A media value ready to store: its main file, extra parts and metadata."""

    kind: str
    main: MediaPart
    meta: dict[str, Any]
    extras: dict[str, MediaPart] = field(default_factory=dict)


class Media(ABC):
    """A value ``run.log`` stores as a blob and shows in the UI's media browser."""

    kind: ClassVar[str]

    @abstractmethod
    def encode(self) -> EncodedMedia:
        """Serialise to bytes; raises InvalidInputError for data it cannot represent."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def json_part(payload: Any) -> MediaPart:
    """A JSON document (NaN and infinities become null) as a media part."""
    try:
        data = orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY)
    except TypeError as exc:
        raise InvalidInputError(f"Media payload is not JSON-serialisable: {exc}") from exc
    return MediaPart(data, JSON_MIME)


def check_caption(caption: Any) -> str | None:
    """A caption is a string of at most 4,096 characters (or None)."""
    if caption is None:
        return None
    if not isinstance(caption, str):
        raise InvalidInputError(f"caption must be a string, got {type(caption).__name__}")
    if len(caption) > MAX_CAPTION or "\x00" in caption:
        raise InvalidInputError(f"caption must be at most {MAX_CAPTION} characters, no NUL")
    return caption


def allowed_mime(kind: str, mime: str) -> bool:
    """Whether ``kind`` may be stored with content type ``mime``."""
    return mime in MIMES.get(kind, frozenset({JSON_MIME}))
