"""Embedded implementation of ``RegistryBackend``: the registry service in-process.

The ``who`` of every audit event is the OS user; the caller is the operator, so a
webhook's ``allow_private`` is honoured as given.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine

from shipyard.registry import (
    AuditEvent,
    ModelVersion,
    RegisteredModel,
    RegistryService,
    Webhook,
    WebhookDelivery,
)

__all__ = ["LocalRegistry"]


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


class LocalRegistry:
    """The model registry over an engine, in-process."""

    def __init__(self, engine: Engine) -> None:
        self.registry = RegistryService(engine)

    def create_registered_model(
        self, name: str, description: str = "", tags: Mapping[str, Any] | None = None
    ) -> RegisteredModel:
        return self.registry.create_registered_model(name, description, tags, user=_user())

    def get_registered_model(self, name: str) -> RegisteredModel:
        return self.registry.get_registered_model(name)

    def update_registered_model(
        self,
        name: str,
        description: str | None = None,
        model_card: str | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> RegisteredModel:
        return self.registry.update_registered_model(
            name, description, model_card, tags, user=_user()
        )

    def search_registered_models(
        self,
        filter: str | None = None,
        order_by: str | Sequence[str] | None = None,
        limit: int = 100,
    ) -> list[RegisteredModel]:
        return self.registry.search_registered_models(filter, order_by, limit)

    def delete_registered_model(self, name: str) -> None:
        self.registry.delete_registered_model(name, user=_user())

    def create_model_version(  # noqa: PLR0917 - the documented public signature
        self,
        name: str,
        artifact_ref: str,
        run_id: str | None = None,
        description: str = "",
        tags: Mapping[str, Any] | None = None,
        comment: str = "",
    ) -> ModelVersion:
        return self.registry.create_model_version(
            name, artifact_ref, run_id, description, tags, comment, user=_user()
        )

    def get_model_version(self, name: str, version: int | str) -> ModelVersion:
        return self.registry.get_model_version(name, version)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        return self.registry.get_model_version_by_alias(name, alias)

    def list_model_versions(self, name: str, include_deleted: bool = False) -> list[ModelVersion]:
        return self.registry.list_model_versions(name, include_deleted=include_deleted)

    def update_model_version(
        self,
        name: str,
        version: int | str,
        description: str | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> ModelVersion:
        return self.registry.update_model_version(name, version, description, tags, user=_user())

    def delete_model_version(
        self, name: str, version: int | str, comment: str = ""
    ) -> ModelVersion:
        return self.registry.delete_model_version(name, version, comment, user=_user())

    def resolve_model_uri(self, uri: str) -> ModelVersion:
        return self.registry.resolve_model_uri(uri)

    def set_alias(
        self,
        name: str,
        alias: str,
        version: int | str,
        comment: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> ModelVersion:
        return self.registry.set_alias(name, alias, version, comment, details, user=_user())

    def delete_alias(self, name: str, alias: str, comment: str = "") -> None:
        self.registry.delete_alias(name, alias, comment, user=_user())

    def transition_stage(  # noqa: PLR0917 - the documented public signature
        self,
        name: str,
        version: int | str,
        stage: str | None,
        archive_existing: bool = False,
        comment: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> ModelVersion:
        return self.registry.transition_stage(
            name, version, stage, archive_existing, comment, details, user=_user()
        )

    def record_model_event(
        self,
        name: str,
        kind: str,
        version: int | str | None = None,
        comment: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> AuditEvent:
        return self.registry.record_model_event(name, kind, version, comment, details, user=_user())

    def model_history(self, name: str) -> list[AuditEvent]:
        return self.registry.model_history(name)

    def add_webhook(  # noqa: PLR0917 - the documented public signature
        self,
        name: str,
        url: str,
        events: Sequence[str] = ("*",),
        secret: str | None = None,
        description: str = "",
        allow_private: bool = False,
    ) -> Webhook:
        return self.registry.add_webhook(
            name, url, events, secret, description, allow_private, user=_user()
        )

    def list_webhooks(self, name: str) -> list[Webhook]:
        return self.registry.list_webhooks(name)

    def delete_webhook(self, name: str, webhook_id: str) -> None:
        self.registry.delete_webhook(name, webhook_id, user=_user())

    def webhook_deliveries(
        self, name: str, webhook_id: str | None = None, limit: int = 100
    ) -> list[WebhookDelivery]:
        return self.registry.webhook_deliveries(name, webhook_id, limit)
