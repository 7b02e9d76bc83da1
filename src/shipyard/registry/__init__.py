"""The model registry: registered models, numbered versions pointing at model artifact
versions, aliases, stages, an audit log of every change, and signed webhooks.

``RegistryService`` holds the rules; ``parse_model_uri`` reads ``models:/name/3`` and
``models:/name@alias``; ``check_webhook_url`` / ``verify_signature`` are the webhook
security helpers. The registry uses the artifacts package's public API (to resolve the
artifact version a model version points at) and nothing else of other domains.
"""

from shipyard.registry.audit import AUDIT_KINDS
from shipyard.registry.delivery import DeliverySettings, WebhookDispatcher
from shipyard.registry.entities import (
    AuditEvent,
    ModelVersion,
    RegisteredModel,
    Webhook,
    WebhookDelivery,
)
from shipyard.registry.names import ModelStage, VersionStatus
from shipyard.registry.service import RegistryService
from shipyard.registry.uri import ModelUri, parse_model_uri
from shipyard.registry.webhooks import (
    check_webhook_url,
    is_public_address,
    sign_payload,
    verify_signature,
)

__all__ = [
    "AUDIT_KINDS",
    "AuditEvent",
    "DeliverySettings",
    "ModelStage",
    "ModelUri",
    "ModelVersion",
    "RegisteredModel",
    "RegistryService",
    "VersionStatus",
    "Webhook",
    "WebhookDelivery",
    "WebhookDispatcher",
    "check_webhook_url",
    "is_public_address",
    "parse_model_uri",
    "sign_payload",
    "verify_signature",
]
