"""What is stored per media item and what a client sends to record one."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from shipyard.media.base import EncodedMedia


@dataclass(frozen=True)
class MediaSpec:
    """One item to record; its blobs (``digest`` and every part's) must be stored first."""

    key: str
    step: int
    index: int
    kind: str
    digest: str
    mime: str
    size: int
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MediaSpec:
        return cls(**data)

    @classmethod
    def from_encoded(cls, key: str, step: int, index: int, enc: EncodedMedia) -> MediaSpec:
        meta = dict(enc.meta)
        if enc.extras:
            meta["parts"] = {
                name: {"digest": p.digest, "mime": p.mime, "size": len(p.data)}
                for name, p in enc.extras.items()
            }
        main = enc.main
        return cls(key, step, index, enc.kind, main.digest, main.mime, len(main.data), meta)

    def part_digests(self) -> list[str]:
        parts = self.meta.get("parts") or {}
        return [str(p["digest"]) for p in parts.values()]


@dataclass(frozen=True)
class MediaRecord:
    """A stored media item."""

    id: int
    run_id: str
    key: str
    step: int
    index: int
    kind: str
    digest: str
    mime: str
    size: int
    meta: dict[str, Any]
    created_at: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MediaRecord:
        return cls(**data)


@dataclass(frozen=True)
class MediaKeySummary:
    """One media key of a run: its kind, item count and logged steps."""

    key: str
    kind: str
    count: int
    steps: list[int]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MediaKeySummary:
        return cls(**data)
