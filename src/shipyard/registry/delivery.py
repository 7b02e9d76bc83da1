"""Webhook delivery: signed POSTs on background threads, with a timeout and retries.

A registry call never waits for or fails because of a webhook. After its transaction
commits, the service hands the calls to a ``WebhookDispatcher``, which POSTs each on a
small thread pool (at most ``attempts`` tries with exponential backoff; 2xx is success,
a redirect or other 4xx is final and never followed) and records the outcome in
``webhook_deliveries``. Connections go through ``GuardedBackend``, which resolves the
host itself and checks the address it connects to, so DNS rebinding cannot reach a
private address. No proxy from the environment is used.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpcore
from sqlalchemy import Engine

from shipyard.core.errors import InvalidWebhookError
from shipyard.core.timeutil import now_ms
from shipyard.registry.audit import HookTarget
from shipyard.registry.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    check_address,
    resolve_host,
    sign_payload,
)
from shipyard.store.db import write_transaction
from shipyard.store.schema_registry import webhook_deliveries

__all__ = ["DeliverySettings", "GuardedBackend", "WebhookDispatcher"]

logger = logging.getLogger("shipyard.registry.webhooks")

ENV_TIMEOUT = "SHIPYARD_WEBHOOK_TIMEOUT"
ENV_ATTEMPTS = "SHIPYARD_WEBHOOK_ATTEMPTS"
_RETRY_STATUSES = frozenset({408, 425, 429})
MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class DeliverySettings:
    """``timeout`` seconds per attempt, ``attempts`` tries, ``backoff`` before the 2nd."""

    timeout: float = 5.0
    attempts: int = 3
    backoff: float = 0.5

    @classmethod
    def from_env(cls) -> DeliverySettings:
        try:
            timeout = float(os.environ.get(ENV_TIMEOUT, "5"))
            attempts = int(os.environ.get(ENV_ATTEMPTS, "3"))
        except ValueError:
            return cls()
        return cls(timeout=max(timeout, 0.1), attempts=max(attempts, 1))


class GuardedBackend(httpcore.NetworkBackend):
    """Connects only to addresses that pass the webhook address check."""

    def __init__(self, allow_private: bool) -> None:
        self._inner = httpcore.SyncBackend()
        self._allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve_host(host, port)
        if not self._allow_private:
            check_address(host, addresses)
        return self._inner.connect_tcp(
            str(addresses[0]), port, timeout, local_address, socket_options
        )

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise InvalidWebhookError("Webhooks are never delivered over Unix sockets")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


@dataclass(frozen=True)
class Outcome:
    attempts: int
    ok: bool
    status_code: int | None
    error: str


def payload(target: HookTarget) -> dict[str, Any]:
    """The JSON body: the audit event (``event`` is its kind)."""
    event = target.event.to_dict()
    return {"event": event.pop("kind"), "webhook_id": target.webhook_id, **event}


def deliver(target: HookTarget, settings: DeliverySettings) -> Outcome:
    """POST the event to the webhook, retrying transient failures."""
    body = json.dumps(payload(target), sort_keys=True).encode()
    delivery_id = uuid.uuid4().hex
    error, status = "", None
    with httpcore.ConnectionPool(network_backend=GuardedBackend(target.allow_private)) as pool:
        for attempt in range(1, settings.attempts + 1):
            if attempt > 1:
                time.sleep(settings.backoff * 2 ** (attempt - 2))
            stamp = str(int(time.time()))
            headers: dict[bytes | str, bytes | str] = {
                "Content-Type": "application/json",
                "User-Agent": "shipyard-webhooks",
                EVENT_HEADER: target.event.kind,
                DELIVERY_HEADER: delivery_id,
                TIMESTAMP_HEADER: stamp,
                SIGNATURE_HEADER: sign_payload(target.secret, stamp, body),
            }
            try:
                response = pool.request(
                    "POST", target.url, headers=headers, content=body,
                    extensions={"timeout": _timeouts(settings.timeout)},
                )  # fmt: skip
            except InvalidWebhookError as exc:
                return Outcome(attempt, False, None, exc.message)
            except (
                httpcore.TimeoutException,
                httpcore.NetworkError,
                httpcore.ProtocolError,
            ) as exc:
                error, status = f"{type(exc).__name__}: {exc}", None
                continue
            status = response.status
            if 200 <= status < 300:
                return Outcome(attempt, True, status, "")
            error = f"HTTP {status}" + (
                " (redirects are not followed)" if 300 <= status < 400 else ""
            )
            if status < 500 and status not in _RETRY_STATUSES:
                return Outcome(attempt, False, status, error)
    return Outcome(settings.attempts, False, status, error)


def _timeouts(seconds: float) -> dict[str, float]:
    return {"connect": seconds, "read": seconds, "write": seconds, "pool": seconds}


class WebhookDispatcher:
    """Delivers webhook calls on background threads and records every outcome.

    Calls to one webhook go out one after another in event order; different webhooks
    are served in parallel, so a slow receiver delays only itself."""

    def __init__(
        self, engine: Engine, settings: DeliverySettings | None = None, max_workers: int = 4
    ) -> None:
        self.engine = engine
        self.settings = settings or DeliverySettings.from_env()
        self._max_workers = max_workers
        self._executor: ThreadPoolExecutor | None = None
        self._queues: dict[str, deque[HookTarget]] = {}
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, targets: Sequence[HookTarget]) -> None:
        """Queue the calls; returns at once."""
        if not targets:
            return
        with self._idle:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    self._max_workers, thread_name_prefix="shipyard-webhook"
                )
            for target in targets:
                self._pending += 1
                queue = self._queues.get(target.webhook_id)
                if queue is not None:  # a worker is draining this webhook's queue
                    queue.append(target)
                    continue
                self._queues[target.webhook_id] = deque([target])
                self._executor.submit(self._drain, target.webhook_id)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until queued deliveries are done; False if ``timeout`` ran out first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def close(self) -> None:
        with self._idle:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    def _drain(self, webhook_id: str) -> None:
        while True:
            with self._idle:
                queue = self._queues[webhook_id]
                if not queue:
                    del self._queues[webhook_id]
                    return
                target = queue.popleft()
            try:
                self._run(target)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _run(self, target: HookTarget) -> None:
        try:
            outcome = deliver(target, self.settings)
        except Exception as exc:  # a delivery must never take the process down
            logger.exception("Webhook %s delivery crashed", target.webhook_id)
            outcome = Outcome(1, False, None, f"{type(exc).__name__}: {exc}")
        if not outcome.ok:
            logger.warning(
                "Webhook %s (%s) failed after %d attempt(s): %s",
                target.webhook_id, target.event.kind, outcome.attempts, outcome.error,
            )  # fmt: skip
        self._record(target, outcome)

    def _record(self, target: HookTarget, outcome: Outcome) -> None:
        row = {
            "webhook_id": target.webhook_id,
            "event_id": target.event.id,
            "kind": target.event.kind,
            "attempts": outcome.attempts,
            "ok": outcome.ok,
            "status_code": outcome.status_code,
            "error": outcome.error[:MAX_ERROR_CHARS],
            "at": now_ms(),
        }
        try:
            with write_transaction(self.engine) as conn:
                conn.execute(webhook_deliveries.insert().values(row))
        except Exception:  # the store may be gone (process exit); the log has it
            logger.exception("Could not record the delivery of webhook %s", target.webhook_id)
