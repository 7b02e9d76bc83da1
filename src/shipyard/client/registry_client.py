"""The model-registry methods of ``sy.Client`` (a mixin over ``self.backend``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shipyard.client.backend import Backend
from shipyard.registry import (
    AuditEvent,
    ModelVersion,
    RegisteredModel,
    Webhook,
    WebhookDelivery,
)


class RegistryClient:
    """Registered models, versions, aliases, stages, history and webhooks."""

    backend: Backend

    def create_registered_model(
        self, name: str, description: str = "", tags: Mapping[str, Any] | None = None
    ) -> RegisteredModel:
        """A new, empty registered model (``REGISTERED_MODEL_ALREADY_EXISTS`` if taken)."""
        return self.backend.create_registered_model(name, description, tags)

    def get_registered_model(self, name: str) -> RegisteredModel:
        return self.backend.get_registered_model(name)

    def update_registered_model(
        self,
        name: str,
        description: str | None = None,
        model_card: str | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> RegisteredModel:
        """Change what is given: description, model card (Markdown), tags (merged; a
        value None removes the key)."""
        return self.backend.update_registered_model(name, description, model_card, tags)

    def search_registered_models(
        self,
        filter: str | None = None,
        order_by: str | Sequence[str] | None = None,
        limit: int = 100,
    ) -> list[RegisteredModel]:
        """Models matching ``filter``, e.g. ``"name LIKE 'energy-%' AND tags.team =
        'forecast'"`` (attributes: name, description, alias, tags.<key>; operators =, !=,
        LIKE, ILIKE), ordered by ``name`` / ``created_at`` / ``updated_at`` [ASC|DESC]."""
        return self.backend.search_registered_models(filter, order_by, limit)

    def delete_registered_model(self, name: str) -> None:
        """Delete the model with its versions, aliases and webhooks (history stays)."""
        self.backend.delete_registered_model(name)

    def create_model_version(  # noqa: PLR0917 - the documented public signature
        self,
        name: str,
        artifact_ref: str,
        run_id: str | None = None,
        description: str = "",
        tags: Mapping[str, Any] | None = None,
        comment: str = "",
    ) -> ModelVersion:
        """Register a model artifact version (``"my-model:v3"``, ``"my-model:latest"``,
        ``"runs:/<run_id>"``) as the next version of ``name`` (created if missing).
        ``run_id`` defaults to the run that logged the artifact."""
        return self.backend.create_model_version(
            name, artifact_ref, run_id, description, tags, comment
        )

    def get_model_version(self, name: str, version: int | str) -> ModelVersion:
        return self.backend.get_model_version(name, version)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        return self.backend.get_model_version_by_alias(name, alias)

    def list_model_versions(self, name: str, include_deleted: bool = False) -> list[ModelVersion]:
        """Versions of ``name``, newest first."""
        return self.backend.list_model_versions(name, include_deleted)

    def update_model_version(
        self,
        name: str,
        version: int | str,
        description: str | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> ModelVersion:
        return self.backend.update_model_version(name, version, description, tags)

    def delete_model_version(
        self, name: str, version: int | str, comment: str = ""
    ) -> ModelVersion:
        """Mark the version deleted (its number is never reused); its aliases go."""
        return self.backend.delete_model_version(name, version, comment)

    def resolve_model_uri(self, uri: str) -> ModelVersion:
        """The version ``models:/name/3``, ``models:/name@champion``,
        ``models:/name/latest`` or ``models:/name/Production`` names."""
        return self.backend.resolve_model_uri(uri)

    def set_alias(
        self,
        name: str,
        alias: str,
        version: int | str,
        comment: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> ModelVersion:
        """Point ``alias`` (e.g. ``champion``) at ``version``; the move is audited."""
        return self.backend.set_alias(name, alias, version, comment, details)

    def delete_alias(self, name: str, alias: str, comment: str = "") -> None:
        self.backend.delete_alias(name, alias, comment)

    def transition_stage(  # noqa: PLR0917 - the documented public signature
        self,
        name: str,
        version: int | str,
        stage: str | None,
        archive_existing: bool = False,
        comment: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> ModelVersion:
        """Move a version to None/Staging/Production/Archived; ``archive_existing``
        archives the versions already in that stage."""
        return self.backend.transition_stage(
            name, version, stage, archive_existing, comment, details
        )

    def record_model_event(
        self,
        name: str,
        kind: str,
        version: int | str | None = None,
        comment: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> AuditEvent:
        """Add a custom event (e.g. ``promotion_rejected`` with scores) to the history."""
        return self.backend.record_model_event(name, kind, version, comment, details)

    def model_history(self, name: str) -> list[AuditEvent]:
        """Every change of the model, oldest first: who, when, from, to, comment."""
        return self.backend.model_history(name)

    def add_webhook(  # noqa: PLR0917 - the documented public signature
        self,
        name: str,
        url: str,
        events: Sequence[str] = ("*",),
        secret: str | None = None,
        description: str = "",
        allow_private: bool = False,
    ) -> Webhook:
        """Call ``url`` (signed POST) on the model's ``events``; the answer holds the
        secret. Private, loopback and link-local targets need ``allow_private``."""
        return self.backend.add_webhook(name, url, events, secret, description, allow_private)

    def list_webhooks(self, name: str) -> list[Webhook]:
        return self.backend.list_webhooks(name)

    def delete_webhook(self, name: str, webhook_id: str) -> None:
        self.backend.delete_webhook(name, webhook_id)

    def webhook_deliveries(
        self, name: str, webhook_id: str | None = None, limit: int = 100
    ) -> list[WebhookDelivery]:
        """Recorded delivery outcomes, newest first."""
        return self.backend.webhook_deliveries(name, webhook_id, limit)
