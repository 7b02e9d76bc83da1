"""Webhooks of registered models: add (URL validated), list, delete, deliveries."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Sequence

from sqlalchemy import RowMapping, delete, select

from shipyard.core.errors import InvalidInputError, InvalidWebhookError, WebhookNotFoundError
from shipyard.core.timeutil import now_ms
from shipyard.registry import audit as kinds
from shipyard.registry import queries as q
from shipyard.registry.audit import ALL_EVENTS, AUDIT_KINDS, check_custom_kind
from shipyard.registry.base import RegistryBase
from shipyard.registry.entities import Webhook, WebhookDelivery
from shipyard.registry.names import check_description, check_model_name
from shipyard.registry.webhooks import check_webhook_url
from shipyard.store.db import read_connection
from shipyard.store.schema_registry import model_webhooks, webhook_deliveries

MAX_HOOKS_PER_MODEL = 50
MIN_SECRET = 16
MAX_SECRET = 256


class WebhookOps(RegistryBase):
    """Webhooks (part of ``RegistryService``)."""

    def add_webhook(  # noqa: PLR0917 - the documented public signature takes these in order
        self,
        name: str,
        url: str,
        events: Sequence[str] = (ALL_EVENTS,),
        secret: str | None = None,
        description: str = "",
        allow_private: bool = False,
        *,
        user: str = "",
    ) -> Webhook:
        """Call ``url`` on ``events`` (audit kinds, or ``*`` for all) of model ``name``.

        The answer holds the signing ``secret`` (generated unless given); listings do not."""
        name = check_model_name(name)
        allow_private = self._private_allowed(allow_private)
        url = check_webhook_url(url, allow_private=allow_private)
        wanted = _check_events(events)
        secret = _check_secret(secret)
        description = check_description(description)
        with self._changes(user) as ch:
            model = q.model_row(ch.conn, name, lock=True)
            wh = model_webhooks
            taken = ch.conn.execute(select(wh.c.id).where(wh.c.model_id == model["id"])).all()
            if len(taken) >= MAX_HOOKS_PER_MODEL:
                raise InvalidInputError(f"Model {name!r} already has {len(taken)} webhooks")
            row = {
                "id": uuid.uuid4().hex, "model_id": model["id"], "url": url,
                "events": json.dumps(wanted), "secret": secret, "allow_private": allow_private,
                "description": description, "created_by": ch.user, "created_at": now_ms(),
            }  # fmt: skip
            # recorded before the insert: the new webhook is not called for its own creation
            details = {"url": url, "events": wanted, "allow_private": allow_private}
            ch.record(model, kinds.WEBHOOK_ADDED, to_value=row["id"], details=details)
            ch.conn.execute(wh.insert().values(row))
        return _webhook(name, row, with_secret=True)

    def list_webhooks(self, name: str) -> list[Webhook]:
        wh = model_webhooks
        with read_connection(self.engine) as conn:
            model = q.model_row(conn, check_model_name(name))
            rows = conn.execute(
                select(wh).where(wh.c.model_id == model["id"]).order_by(wh.c.created_at, wh.c.id)
            ).mappings()
            return [_webhook(model["name"], r) for r in rows]

    def delete_webhook(self, name: str, webhook_id: str, *, user: str = "") -> None:
        wh = model_webhooks
        with self._changes(user) as ch:
            conn = ch.conn
            model = q.model_row(conn, check_model_name(name), lock=True)
            gone = conn.execute(
                delete(wh).where(wh.c.model_id == model["id"], wh.c.id == str(webhook_id))
            ).rowcount
            if not gone:
                raise WebhookNotFoundError(
                    f"Registered model {name!r} has no webhook {webhook_id!r:.40}",
                    name=name,
                    webhook_id=str(webhook_id)[:40],
                )
            wd = webhook_deliveries
            conn.execute(delete(wd).where(wd.c.webhook_id == str(webhook_id)))
            ch.record(model, kinds.WEBHOOK_REMOVED, from_value=str(webhook_id))

    def webhook_deliveries(
        self, name: str, webhook_id: str | None = None, limit: int = 100
    ) -> list[WebhookDelivery]:
        """The latest delivery outcomes of the model's webhooks, newest first."""
        hooks = {h.id for h in self.list_webhooks(name)}
        if webhook_id is not None and webhook_id not in hooks:
            raise WebhookNotFoundError(
                f"Registered model {name!r} has no webhook {webhook_id!r:.40}", name=name
            )
        wanted = [webhook_id] if webhook_id is not None else sorted(hooks)
        wd = webhook_deliveries
        with read_connection(self.engine) as conn:
            rows = conn.execute(
                select(wd).where(wd.c.webhook_id.in_(wanted)).order_by(wd.c.id.desc())
                .limit(max(1, min(int(limit), 10_000)))
            ).mappings()  # fmt: skip
            return [WebhookDelivery.from_dict(dict(r)) for r in rows]

    def _private_allowed(self, requested: bool) -> bool:
        if not requested:
            return False
        if self.private_webhooks is False:
            raise InvalidWebhookError(
                "This server does not allow webhooks to private addresses; its operator can "
                "start it with `shipyard server --webhook-allow-private`"
            )
        return True


def _check_events(events: Sequence[str]) -> list[str]:
    if isinstance(events, str):
        events = [events]
    wanted = list(dict.fromkeys(events))
    if not wanted:
        raise InvalidInputError("A webhook needs at least one event (or '*' for all)")
    for kind in wanted:
        if kind != ALL_EVENTS and kind not in AUDIT_KINDS:
            check_custom_kind(kind)  # custom kinds (e.g. a promotion decision) are allowed
    return wanted


def _check_secret(secret: str | None) -> str:
    if secret is None:
        return secrets.token_urlsafe(32)
    if not isinstance(secret, str) or not MIN_SECRET <= len(secret) <= MAX_SECRET:
        raise InvalidInputError(
            f"A webhook secret must be {MIN_SECRET}-{MAX_SECRET} characters (omit it to get a "
            "generated one)"
        )
    return secret


def _webhook(
    name: str, row: RowMapping | dict[str, object], *, with_secret: bool = False
) -> Webhook:
    return Webhook(
        id=str(row["id"]),
        name=name,
        url=str(row["url"]),
        events=list(json.loads(str(row["events"]))),
        allow_private=bool(row["allow_private"]),
        description=str(row["description"]),
        created_at=int(str(row["created_at"])),
        created_by=str(row["created_by"]),
        secret=str(row["secret"]) if with_secret else "",
    )
