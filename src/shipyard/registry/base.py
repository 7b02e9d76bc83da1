"""What every part of the registry service shares: the engine, the artifact service it
resolves model artifacts with, the webhook dispatcher, and the write-transaction helper."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from shipyard.artifacts import ArtifactService
from shipyard.registry.audit import Changes
from shipyard.registry.delivery import WebhookDispatcher
from shipyard.registry.names import check_user
from shipyard.store.db import write_transaction


class RegistryBase:
    """Holds the collaborators; ``_changes`` is the one way to write."""

    def __init__(
        self,
        engine: Engine,
        *,
        dispatcher: WebhookDispatcher | None = None,
        private_webhooks: bool | None = None,
    ) -> None:
        """``private_webhooks``: None honours each caller's ``allow_private`` (embedded
        use, where the caller is the operator); False refuses it; True permits it (a
        server started with ``--webhook-allow-private``)."""
        self.engine = engine
        self.artifacts = ArtifactService(engine)
        self.dispatcher = dispatcher or WebhookDispatcher(engine)
        self.private_webhooks = private_webhooks

    @contextmanager
    def _changes(self, user: str) -> Iterator[Changes]:
        """A write transaction collecting audit events; webhooks fire after the commit."""
        user = check_user(user)
        with write_transaction(self.engine) as conn:
            changes = Changes(conn, user)
            yield changes
        self.dispatcher.submit(changes.hooks)
