"""``RegistryBackend`` over REST: the model-registry methods of ``HttpBackend``.

Routes live under ``/api/v1/registered-models`` and ``/api/v1/model-versions``. The
server takes the ``who`` of audit events from the token when auth is on, else from the
``Shipyard-User`` header ``HttpBackend`` sends (the client's OS user).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from shipyard.registry import (
    AuditEvent,
    ModelVersion,
    RegisteredModel,
    Webhook,
    WebhookDelivery,
)

__all__ = ["HttpRegistry"]

MODELS = "/registered-models"
VERSIONS = "/model-versions"


def _seg(value: object) -> str:
    return quote(str(value), safe="")


def _body(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


class HttpRegistry:
    """Mixin of ``HttpBackend``; ``_json`` is the backend's request helper."""

    def _json(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        raise NotImplementedError  # pragma: no cover - provided by HttpBackend

    def create_registered_model(
        self, name: str, description: str = "", tags: Mapping[str, Any] | None = None
    ) -> RegisteredModel:
        body = _body(name=name, description=description, tags=_tags(tags))
        return RegisteredModel.from_dict(self._json("POST", MODELS, body))

    def get_registered_model(self, name: str) -> RegisteredModel:
        return RegisteredModel.from_dict(self._json("GET", f"{MODELS}/{_seg(name)}"))

    def update_registered_model(
        self,
        name: str,
        description: str | None = None,
        model_card: str | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> RegisteredModel:
        body = _body(description=description, model_card=model_card, tags=_tags(tags))
        return RegisteredModel.from_dict(self._json("PATCH", f"{MODELS}/{_seg(name)}", body))

    def search_registered_models(
        self,
        filter: str | None = None,
        order_by: str | Sequence[str] | None = None,
        limit: int = 100,
    ) -> list[RegisteredModel]:
        orders = [order_by] if isinstance(order_by, str) else list(order_by or [])
        params: dict[str, Any] = _body(filter=filter, order_by=orders, limit=str(limit))
        data = self._json("GET", MODELS, params=params)
        return [RegisteredModel.from_dict(m) for m in data["registered_models"]]

    def delete_registered_model(self, name: str) -> None:
        self._json("DELETE", f"{MODELS}/{_seg(name)}")

    def create_model_version(  # noqa: PLR0917 - the documented public signature
        self,
        name: str,
        artifact_ref: str,
        run_id: str | None = None,
        description: str = "",
        tags: Mapping[str, Any] | None = None,
        comment: str = "",
    ) -> ModelVersion:
        body = _body(
            name=name, artifact_ref=artifact_ref, run_id=run_id, description=description,
            tags=_tags(tags), comment=comment,
        )  # fmt: skip
        return ModelVersion.from_dict(self._json("POST", VERSIONS, body))

    def get_model_version(self, name: str, version: int | str) -> ModelVersion:
        return ModelVersion.from_dict(self._json("GET", f"{VERSIONS}/{_seg(name)}/{_seg(version)}"))

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        path = f"{MODELS}/{_seg(name)}/aliases/{_seg(alias)}"
        return ModelVersion.from_dict(self._json("GET", path))

    def list_model_versions(self, name: str, include_deleted: bool = False) -> list[ModelVersion]:
        params = {"include_deleted": "true" if include_deleted else "false"}
        data = self._json("GET", f"{MODELS}/{_seg(name)}/versions", params=params)
        return [ModelVersion.from_dict(v) for v in data["versions"]]

    def update_model_version(
        self,
        name: str,
        version: int | str,
        description: str | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> ModelVersion:
        body = _body(description=description, tags=_tags(tags))
        path = f"{VERSIONS}/{_seg(name)}/{_seg(version)}"
        return ModelVersion.from_dict(self._json("PATCH", path, body))

    def delete_model_version(
        self, name: str, version: int | str, comment: str = ""
    ) -> ModelVersion:
        path = f"{VERSIONS}/{_seg(name)}/{_seg(version)}"
        return ModelVersion.from_dict(self._json("DELETE", path, params={"comment": comment}))

    def resolve_model_uri(self, uri: str) -> ModelVersion:
        return ModelVersion.from_dict(self._json("GET", f"{VERSIONS}/resolve", params={"uri": uri}))

    def set_alias(
        self,
        name: str,
        alias: str,
        version: int | str,
        comment: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> ModelVersion:
        body = _body(version=str(version), comment=comment, details=_dict(details))
        path = f"{MODELS}/{_seg(name)}/aliases/{_seg(alias)}"
        return ModelVersion.from_dict(self._json("PUT", path, body))

    def delete_alias(self, name: str, alias: str, comment: str = "") -> None:
        path = f"{MODELS}/{_seg(name)}/aliases/{_seg(alias)}"
        self._json("DELETE", path, params={"comment": comment})

    def transition_stage(  # noqa: PLR0917 - the documented public signature
        self,
        name: str,
        version: int | str,
        stage: str | None,
        archive_existing: bool = False,
        comment: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> ModelVersion:
        body = _body(
            stage=str(stage) if stage is not None else "None", archive_existing=archive_existing,
            comment=comment, details=_dict(details),
        )  # fmt: skip
        path = f"{VERSIONS}/{_seg(name)}/{_seg(version)}/stage"
        return ModelVersion.from_dict(self._json("POST", path, body))

    def record_model_event(
        self,
        name: str,
        kind: str,
        version: int | str | None = None,
        comment: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> AuditEvent:
        body = _body(
            kind=kind, version=None if version is None else str(version), comment=comment,
            details=_dict(details),
        )  # fmt: skip
        return AuditEvent.from_dict(self._json("POST", f"{MODELS}/{_seg(name)}/events", body))

    def model_history(self, name: str) -> list[AuditEvent]:
        data = self._json("GET", f"{MODELS}/{_seg(name)}/history")
        return [AuditEvent.from_dict(e) for e in data["events"]]

    def add_webhook(  # noqa: PLR0917 - the documented public signature
        self,
        name: str,
        url: str,
        events: Sequence[str] = ("*",),
        secret: str | None = None,
        description: str = "",
        allow_private: bool = False,
    ) -> Webhook:
        body = _body(
            url=url, events=[events] if isinstance(events, str) else list(events), secret=secret,
            description=description, allow_private=allow_private,
        )  # fmt: skip
        return Webhook.from_dict(self._json("POST", f"{MODELS}/{_seg(name)}/webhooks", body))

    def list_webhooks(self, name: str) -> list[Webhook]:
        data = self._json("GET", f"{MODELS}/{_seg(name)}/webhooks")
        return [Webhook.from_dict(w) for w in data["webhooks"]]

    def delete_webhook(self, name: str, webhook_id: str) -> None:
        self._json("DELETE", f"{MODELS}/{_seg(name)}/webhooks/{_seg(webhook_id)}")

    def webhook_deliveries(
        self, name: str, webhook_id: str | None = None, limit: int = 100
    ) -> list[WebhookDelivery]:
        params = _body(webhook_id=webhook_id, limit=str(limit))
        data = self._json("GET", f"{MODELS}/{_seg(name)}/webhook-deliveries", params=params)
        return [WebhookDelivery.from_dict(d) for d in data["deliveries"]]


def _tags(tags: Mapping[str, Any] | None) -> Any:
    """Values as strings (None kept: the server refuses it unless it deletes a key)."""
    if not isinstance(tags, Mapping):
        return tags
    return {k: v if v is None or isinstance(v, str) else str(v) for k, v in tags.items()}


def _dict(details: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if details is None else dict(details)
