"""Webhook deliveries: signed, after the commit, retried, recorded, never failing the
registry call; redirects are not followed and a re-pointed DNS name is refused."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from shipyard.artifacts import FileEntry
from shipyard.client.http import HttpBackend
from shipyard.core.errors import InvalidInputError, InvalidWebhookError
from shipyard.registry import RegistryService, verify_signature
from shipyard.tracking.service import TrackingService
from tests_support import free_port


def _flush(registry: RegistryService) -> None:
    assert registry.dispatcher.wait(timeout=30)


def test_a_real_delivery_is_signed_and_recorded(
    registry: RegistryService, model_artifact: Callable[..., str], receiver: Callable[..., Any]
) -> None:
    rec = receiver()
    registry.create_registered_model("m")
    hook = registry.add_webhook("m", f"{rec.url}/hook", events=["version_created", "alias_set"],
                                allow_private=True)  # fmt: skip
    version = registry.create_model_version("m", model_artifact(), comment="new", user="ana")
    registry.set_alias("m", "champion", 1)
    registry.transition_stage("m", 1, "Staging")  # not subscribed
    _flush(registry)
    assert [r.json["event"] for r in rec.requests] == ["version_created", "alias_set"]
    first = rec.requests[0]
    assert first.path == "/hook"
    headers = {k.lower(): v for k, v in first.headers.items()}
    assert verify_signature(
        hook.secret, headers["x-shipyard-timestamp"], first.body, headers["x-shipyard-signature"]
    )
    assert not verify_signature("wrong-secret-123456", headers["x-shipyard-timestamp"],
                                first.body, headers["x-shipyard-signature"])  # fmt: skip
    body = first.json
    assert (body["name"], body["version"], body["user"], body["comment"]) == ("m", 1, "ana", "new")
    assert body["to_value"] == version.artifact_ref and body["webhook_id"] == hook.id
    assert headers["x-shipyard-event"] == "version_created"
    deliveries = registry.webhook_deliveries("m")
    assert [(d.kind, d.ok, d.status_code, d.attempts) for d in deliveries] == [
        ("alias_set", True, 200, 1), ("version_created", True, 200, 1),
    ]  # fmt: skip


def test_failures_are_retried_recorded_and_never_fail_the_call(
    registry: RegistryService, model_artifact: Callable[..., str], receiver: Callable[..., Any]
) -> None:
    rec = receiver()
    rec.status = 503
    registry.create_registered_model("m")
    registry.add_webhook("m", rec.url, allow_private=True)  # hears of the next one too
    dead = registry.add_webhook("m", f"http://127.0.0.1:{free_port()}/", allow_private=True)
    assert registry.create_model_version("m", model_artifact()).version == 1
    _flush(registry)
    kinds = [r.json["event"] for r in rec.requests]
    assert kinds == ["webhook_added"] * 2 + ["version_created"] * 2  # 2 attempts each
    outcomes = {d.webhook_id: d for d in registry.webhook_deliveries("m")}  # newest first
    refused = outcomes[dead.id]
    assert not refused.ok and refused.status_code is None and "Connect" in refused.error
    served = next(d for d in outcomes.values() if d.webhook_id != dead.id)
    assert (served.ok, served.status_code, served.attempts) == (False, 503, 2)


def test_redirects_are_not_followed(
    registry: RegistryService, model_artifact: Callable[..., str], receiver: Callable[..., Any]
) -> None:
    target, bouncer = receiver(), receiver()
    bouncer.status, bouncer.location = 302, f"{target.url}/stolen"
    registry.create_registered_model("m")
    registry.add_webhook("m", bouncer.url, allow_private=True)
    registry.create_model_version("m", model_artifact())
    _flush(registry)
    assert len(bouncer.requests) == 1 and target.requests == []
    (delivery,) = registry.webhook_deliveries("m")
    assert delivery.status_code == 302 and "redirects are not followed" in delivery.error


def test_a_name_re_pointed_at_loopback_is_refused_at_delivery(
    registry: RegistryService,
    model_artifact: Callable[..., str],
    receiver: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rec = receiver()
    port = rec.url.rsplit(":", 1)[1]
    answer = {"ip": "93.184.216.34"}
    real = socket.getaddrinfo

    def fake(host: Any, p: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "hooks.example.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer["ip"], p))]
        return real(host, p, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    registry.create_registered_model("m")
    registry.add_webhook("m", f"http://hooks.example.test:{port}/hook")  # public at this point
    answer["ip"] = "127.0.0.1"  # DNS rebinding
    registry.create_model_version("m", model_artifact())
    _flush(registry)
    assert rec.requests == []
    (delivery,) = registry.webhook_deliveries("m")
    assert not delivery.ok and "127.0.0.1" in delivery.error


def test_no_delivery_when_the_transaction_fails(
    registry: RegistryService, model_artifact: Callable[..., str], receiver: Callable[..., Any]
) -> None:
    rec = receiver()
    registry.create_model_version("m", model_artifact())
    registry.add_webhook("m", rec.url, allow_private=True)
    with pytest.raises(InvalidInputError):
        registry.set_alias("m", "latest", 1)
    _flush(registry)
    assert rec.requests == []


def test_a_server_policy_can_refuse_private_targets(engine: Any) -> None:
    strict = RegistryService(engine, private_webhooks=False)
    strict.create_registered_model("m")
    with pytest.raises(InvalidWebhookError, match="--webhook-allow-private"):
        strict.add_webhook("m", "http://127.0.0.1:9/", allow_private=True)
    with pytest.raises(InvalidWebhookError, match="resolves to"):
        strict.add_webhook("m", "http://127.0.0.1:9/")


def test_delivery_through_a_server_that_allows_private_targets(
    live_server: Callable[..., Any],
    sqlite_url: str,
    receiver: Callable[..., Any],
) -> None:
    live = live_server(sqlite_url, webhook_allow_private=True)
    rec = receiver()
    tracking: TrackingService = live.app.state.tracking
    tracking.create_project("p")
    run = tracking.create_run("p")
    entry_digest = "ab" * 32
    ref = live.app.state.artifacts.commit_version(
        "clf", "model", [FileEntry("m.bin", entry_digest, 3)], run_id=run.id
    ).ref
    backend = HttpBackend(live.url)
    backend.create_registered_model("m")
    hook = backend.add_webhook("m", rec.url, events=["version_created"], allow_private=True)
    assert hook.allow_private and hook.secret
    assert backend.create_model_version("m", ref).run_id == run.id
    assert live.app.state.registry.dispatcher.wait(timeout=30)
    assert [r.json["event"] for r in rec.requests] == ["version_created"]
    (delivery,) = backend.webhook_deliveries("m", hook.id)
    assert delivery.ok and delivery.status_code == 200
    assert backend.list_webhooks("m")[0].secret == ""
    backend.delete_webhook("m", hook.id)
    assert backend.list_webhooks("m") == []
    backend.close()
