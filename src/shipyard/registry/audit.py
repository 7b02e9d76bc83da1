"""Audit events: every change to a registered model is recorded in its transaction.

``Changes`` wraps one write transaction: each ``record`` inserts an event and picks the
model's webhooks subscribed to it *then* (a deleted model's hooks still hear of the
deletion); after the commit the service hands them to the webhook dispatcher.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, RowMapping, select

from shipyard.core.errors import InvalidInputError
from shipyard.core.timeutil import now_ms
from shipyard.registry.entities import AuditEvent
from shipyard.registry.queries import event_from_row
from shipyard.store.schema_registry import model_audit_events, model_webhooks

__all__ = ["AUDIT_KINDS", "Changes", "HookTarget", "check_custom_kind"]

MODEL_CREATED = "model_created"
MODEL_UPDATED = "model_updated"
MODEL_DELETED = "model_deleted"
VERSION_CREATED = "version_created"
VERSION_UPDATED = "version_updated"
VERSION_DELETED = "version_deleted"
ALIAS_SET = "alias_set"
ALIAS_REMOVED = "alias_removed"
STAGE_CHANGED = "stage_changed"
WEBHOOK_ADDED = "webhook_added"
WEBHOOK_REMOVED = "webhook_removed"

AUDIT_KINDS = (
    MODEL_CREATED,
    MODEL_UPDATED,
    MODEL_DELETED,
    VERSION_CREATED,
    VERSION_UPDATED,
    VERSION_DELETED,
    ALIAS_SET,
    ALIAS_REMOVED,
    STAGE_CHANGED,
    WEBHOOK_ADDED,
    WEBHOOK_REMOVED,
)
ALL_EVENTS = "*"
MAX_DETAILS_CHARS = 100_000
_KIND = re.compile(r"[a-z][a-z0-9_]{0,63}")


def check_custom_kind(kind: object) -> str:
    """A kind for ``record_model_event``: lowercase, not one the registry records itself."""
    if not isinstance(kind, str) or not _KIND.fullmatch(kind):
        raise InvalidInputError(
            f"Event kind {kind!r:.80} must be 1-64 lowercase letters, digits or '_', "
            "starting with a letter"
        )
    if kind in AUDIT_KINDS:
        raise InvalidInputError(
            f"Event kind {kind!r} is recorded by the registry itself; use another name"
        )
    return kind


def details_json(details: Mapping[str, Any] | None) -> str:
    if details is None:
        return "{}"
    if not isinstance(details, Mapping):
        raise InvalidInputError(f"Event details must be a mapping, got {type(details).__name__}")
    try:
        text = json.dumps(dict(details), sort_keys=True, default=_default)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"Event details are not JSON-serialisable: {exc}") from exc
    if len(text) > MAX_DETAILS_CHARS:
        raise InvalidInputError(f"Event details exceed {MAX_DETAILS_CHARS} characters of JSON")
    return text


def _default(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    raise TypeError(f"{type(value).__name__} {value!r:.60}")


@dataclass(frozen=True)
class HookTarget:
    """A webhook to call with ``event`` once the transaction is committed."""

    webhook_id: str
    url: str
    secret: str
    allow_private: bool
    event: AuditEvent


@dataclass
class Changes:
    """The events of one write transaction and the webhook calls they cause."""

    conn: Connection
    user: str
    events: list[AuditEvent] = field(default_factory=list)
    hooks: list[HookTarget] = field(default_factory=list)

    def record(
        self,
        model: RowMapping,
        kind: str,
        *,
        version: int | None = None,
        alias: str | None = None,
        from_value: object = None,
        to_value: object = None,
        comment: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> AuditEvent:
        row = {
            "model_name": model["name"],
            "version": version,
            "kind": kind,
            "alias": alias,
            "from_value": None if from_value is None else str(from_value),
            "to_value": None if to_value is None else str(to_value),
            "user": self.user,
            "comment": comment,
            "details": details_json(details),
            "at": now_ms(),
        }
        inserted = self.conn.execute(model_audit_events.insert().values(row)).inserted_primary_key
        assert inserted is not None
        event = event_from_row({**row, "id": int(inserted[0])})
        self.events.append(event)
        self._pick_hooks(int(model["id"]), event)
        return event

    def _pick_hooks(self, model_id: int, event: AuditEvent) -> None:
        wh = model_webhooks
        for hook in self.conn.execute(select(wh).where(wh.c.model_id == model_id)).mappings():
            events = json.loads(hook["events"])
            if ALL_EVENTS in events or event.kind in events:
                self.hooks.append(
                    HookTarget(
                        hook["id"], hook["url"], hook["secret"], bool(hook["allow_private"]), event
                    )
                )
