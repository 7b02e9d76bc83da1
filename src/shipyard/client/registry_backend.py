"""The model-registry half of the ``Backend`` protocol.

Registered models, versions (each pointing at a model artifact version), aliases,
stages, the audit history and webhooks. Both backends implement it:
``client/local_registry.py`` (embedded) and ``client/http_registry.py`` (REST).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from shipyard.registry import (
    AuditEvent,
    ModelVersion,
    RegisteredModel,
    Webhook,
    WebhookDelivery,
)


@runtime_checkable
class RegistryBackend(Protocol):
    """What the SDK needs from the model registry."""

    def create_registered_model(
        self, name: str, description: str = "", tags: Mapping[str, Any] | None = None
    ) -> RegisteredModel: ...

    def get_registered_model(self, name: str) -> RegisteredModel: ...

    def update_registered_model(
        self,
        name: str,
        description: str | None = None,
        model_card: str | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> RegisteredModel: ...

    def search_registered_models(
        self,
        filter: str | None = None,
        order_by: str | Sequence[str] | None = None,
        limit: int = 100,
    ) -> list[RegisteredModel]: ...

    def delete_registered_model(self, name: str) -> None: ...

    def create_model_version(  # noqa: PLR0917 - the documented public signature
        self,
        name: str,
        artifact_ref: str,
        run_id: str | None = None,
        description: str = "",
        tags: Mapping[str, Any] | None = None,
        comment: str = "",
    ) -> ModelVersion: ...

    def get_model_version(self, name: str, version: int | str) -> ModelVersion: ...

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion: ...

    def list_model_versions(
        self, name: str, include_deleted: bool = False
    ) -> list[ModelVersion]: ...

    def update_model_version(
        self,
        name: str,
        version: int | str,
        description: str | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> ModelVersion: ...

    def delete_model_version(
        self, name: str, version: int | str, comment: str = ""
    ) -> ModelVersion: ...

    def resolve_model_uri(self, uri: str) -> ModelVersion: ...

    def set_alias(
        self,
        name: str,
        alias: str,
        version: int | str,
        comment: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> ModelVersion: ...

    def delete_alias(self, name: str, alias: str, comment: str = "") -> None: ...

    def transition_stage(  # noqa: PLR0917 - the documented public signature
        self,
        name: str,
        version: int | str,
        stage: str | None,
        archive_existing: bool = False,
        comment: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> ModelVersion: ...

    def record_model_event(
        self,
        name: str,
        kind: str,
        version: int | str | None = None,
        comment: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> AuditEvent: ...

    def model_history(self, name: str) -> list[AuditEvent]: ...

    def add_webhook(  # noqa: PLR0917 - the documented public signature
        self,
        name: str,
        url: str,
        events: Sequence[str] = ("*",),
        secret: str | None = None,
        description: str = "",
        allow_private: bool = False,
    ) -> Webhook: ...

    def list_webhooks(self, name: str) -> list[Webhook]: ...

    def delete_webhook(self, name: str, webhook_id: str) -> None: ...

    def webhook_deliveries(
        self, name: str, webhook_id: str | None = None, limit: int = 100
    ) -> list[WebhookDelivery]: ...
