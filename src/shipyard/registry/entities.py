"""What the registry returns: registered models, versions, audit events, webhooks.

Plain frozen dataclasses with ``to_dict`` / ``from_dict``, so the embedded backend and
the REST client hand out the same objects. Times are integer milliseconds since the epoch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from shipyard.registry.names import ModelStage, VersionStatus
from shipyard.registry.uri import URI_PREFIX

__all__ = ["AuditEvent", "ModelVersion", "RegisteredModel", "Webhook", "WebhookDelivery"]


def _pick(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    return {f.name: data[f.name] for f in fields(cls) if f.name in data}


@dataclass(frozen=True)
class ModelVersion:
    """One version of a registered model.

    ``artifact_ref`` is the model artifact version (``artifact-name:vN``) and
    ``artifact_version_id`` its id; ``run_id`` the run that produced it; ``aliases`` are
    sorted; ``stage`` is one of None/Staging/Production/Archived."""

    name: str
    version: int
    artifact_ref: str
    artifact_version_id: int
    run_id: str | None
    aliases: list[str] = field(default_factory=list)
    stage: ModelStage = ModelStage.NONE
    status: VersionStatus = VersionStatus.READY
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    created_at: int = 0
    updated_at: int = 0
    created_by: str = ""

    @property
    def uri(self) -> str:
        """``models:/name/N``."""
        return f"{URI_PREFIX}{self.name}/{self.version}"

    @property
    def artifact_uri(self) -> str:
        """``artifacts:/artifact-name:vN``."""
        return f"artifacts:/{self.artifact_ref}"

    @property
    def is_deleted(self) -> bool:
        return self.status is VersionStatus.DELETED

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "uri": self.uri,
            "artifact_ref": self.artifact_ref,
            "artifact_version_id": self.artifact_version_id,
            "run_id": self.run_id,
            "aliases": list(self.aliases),
            "stage": self.stage.value,
            "status": self.status.value,
            "description": self.description,
            "tags": dict(self.tags),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "created_by": self.created_by,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelVersion:
        values = _pick(cls, data)
        values["stage"] = ModelStage(values.get("stage", "None"))
        values["status"] = VersionStatus(values.get("status", "READY"))
        values["aliases"] = list(values.get("aliases", ()))
        values["tags"] = dict(values.get("tags") or {})
        return cls(**values)


@dataclass(frozen=True)
class RegisteredModel:
    """A named model: its versions are listed separately (``list_model_versions``).

    ``aliases`` maps each alias to its version; ``latest_version`` is the newest version
    that is not deleted; ``model_card`` is Markdown."""

    name: str
    description: str = ""
    model_card: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, int] = field(default_factory=dict)
    latest_version: int | None = None
    version_count: int = 0
    created_at: int = 0
    updated_at: int = 0
    created_by: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "model_card": self.model_card,
            "tags": dict(self.tags),
            "aliases": dict(self.aliases),
            "latest_version": self.latest_version,
            "version_count": self.version_count,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "created_by": self.created_by,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RegisteredModel:
        values = _pick(cls, data)
        values["tags"] = dict(values.get("tags") or {})
        values["aliases"] = {str(k): int(v) for k, v in (values.get("aliases") or {}).items()}
        return cls(**values)


@dataclass(frozen=True)
class AuditEvent:
    """One change to a registered model: who did what, when, from what to what, and why.

    ``kind`` is one of ``AUDIT_KINDS`` (or a custom ``x.``-free kind recorded with
    ``record_model_event``, e.g. a promotion decision); ``alias`` is set for alias events;
    ``from_value`` / ``to_value`` hold versions (alias moves) or stages (stage changes);
    ``details`` carries structured extras (scores of a promotion, ...)."""

    id: int
    name: str
    kind: str
    at: int
    user: str = ""
    version: int | None = None
    alias: str | None = None
    from_value: str | None = None
    to_value: str | None = None
    comment: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "at": self.at,
            "user": self.user,
            "version": self.version,
            "alias": self.alias,
            "from_value": self.from_value,
            "to_value": self.to_value,
            "comment": self.comment,
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditEvent:
        values = _pick(cls, data)
        values["details"] = dict(values.get("details") or {})
        return cls(**values)


@dataclass(frozen=True)
class Webhook:
    """A URL called (HTTP POST, HMAC-SHA256 signed) when events of ``events`` happen.

    ``secret`` is only filled in the answer to ``add_webhook``; listings leave it empty."""

    id: str
    name: str
    url: str
    events: list[str]
    allow_private: bool = False
    description: str = ""
    created_at: int = 0
    created_by: str = ""
    secret: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "url": self.url,
            "events": list(self.events),
            "allow_private": self.allow_private,
            "description": self.description,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "secret": self.secret,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Webhook:
        values = _pick(cls, data)
        values["events"] = list(values.get("events", ()))
        return cls(**values)


@dataclass(frozen=True)
class WebhookDelivery:
    """The outcome of delivering one event to one webhook (after all retries)."""

    id: int
    webhook_id: str
    event_id: int
    kind: str
    attempts: int
    ok: bool
    status_code: int | None
    error: str
    at: int

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WebhookDelivery:
        return cls(**_pick(cls, data))
