"""What the report service returns: reports, their versions and share links."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ReportRecord", "ReportVersion", "ShareLink"]


@dataclass(frozen=True)
class ReportRecord:
    """A report: its project, title and description, and its newest version number."""

    id: str
    project: str
    title: str
    description: str
    latest_version: int
    created_by: str
    created_at: int
    updated_at: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportRecord:
        return cls(**data)


@dataclass(frozen=True)
class ReportVersion:
    """One saved version: the spec and whether its data was frozen (a snapshot)."""

    report_id: str
    version: int
    spec: dict[str, Any]
    snapshot: bool
    created_by: str
    created_at: int
    data: dict[str, Any] | None = field(default=None, repr=False)

    def to_dict(self, with_data: bool = False) -> dict[str, Any]:
        out = asdict(self)
        if not with_data:
            out.pop("data")
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportVersion:
        return cls(**data)


@dataclass(frozen=True)
class ShareLink:
    """A read-only share token of a report (its secret is shown once, at creation)."""

    id: str
    report_id: str
    created_by: str
    created_at: int
    revoked_at: int | None = None
    secret: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ShareLink:
        return cls(**data)
