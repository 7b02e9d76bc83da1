"""``RegistryService``: the model registry's business rules over the metadata store.

Both the embedded backend and the server call it. Its parts live in their own modules:
registered models and versions (``models``), aliases, stages and history
(``lifecycle``), webhooks (``webhook_ops``). Every change is an audit event written in
the same transaction, and webhooks fire only after that transaction commits.
"""

from __future__ import annotations

from shipyard.registry.lifecycle import LifecycleOps
from shipyard.registry.models import ModelOps
from shipyard.registry.webhook_ops import WebhookOps

__all__ = ["RegistryService"]


class RegistryService(ModelOps, LifecycleOps, WebhookOps):
    """Registered models, versions, aliases, stages, audit events and webhooks."""
