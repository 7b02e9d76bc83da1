"""Authentication and roles with auth on, and the token service underneath."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from shipyard.auth import Role, TokenService
from shipyard.core.errors import AlreadyExistsError, AuthenticationError, TokenNotFoundError
from shipyard.store.db import create_store_engine


class Server:
    """A server with auth on and one admin token made directly through the service."""

    def __init__(self, url: str, tokens: TokenService) -> None:
        self.url = url + "/api/v1"
        self.tokens = tokens
        _, self.admin = tokens.create("root", Role.ADMIN)

    def client(self, secret: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def secret(self, name: str, role: str) -> str:
        with self.client(self.admin) as admin:
            response = admin.post("/tokens", json={"name": name, "role": role})
        assert response.status_code == 201, response.text
        return str(response.json()["secret"])


@pytest.fixture
def server(live_server: Callable[..., Any], sqlite_url: str) -> Server:
    live = live_server(sqlite_url, auth=True)
    return Server(live.url, live.app.state.tokens)


def code_of(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error_code"]


def test_requests_need_a_valid_token(server: Server) -> None:
    with server.client() as anonymous:
        assert anonymous.get("/health").status_code == 200  # open
        response = anonymous.get("/projects")
        assert code_of(response) == (401, "UNAUTHENTICATED")
        assert response.headers["www-authenticate"] == "Bearer"
        assert "Bearer" in response.json()["message"]
    with server.client("sy_not-a-real-token") as bad:
        response = bad.get("/projects")
        assert code_of(response) == (401, "UNAUTHENTICATED")
        assert response.json()["message"] == "invalid or revoked token"
    with httpx.Client(base_url=server.url, headers={"Authorization": "Basic abc"}) as basic:
        assert code_of(basic.get("/projects")) == (401, "UNAUTHENTICATED")


def test_read_token_reads_but_cannot_write(server: Server) -> None:
    with server.client(server.admin) as admin:
        assert admin.post("/projects", json={"name": "p"}).status_code == 201
    with server.client(server.secret("viewer", "read")) as reader:
        assert reader.get("/projects").status_code == 200
        assert reader.get("/projects/p").status_code == 200
        # searching is a POST only because a filter may not fit in a URL: it reads
        found = reader.post("/runs/search", json={"projects": ["p"]})
        assert found.status_code == 200, found.text
        response = reader.post("/projects", json={"name": "q"})
        assert code_of(response) == (403, "PERMISSION_DENIED")
        assert "'write'" in response.json()["message"]
        assert code_of(reader.post("/runs", json={"project": "p"}))[0] == 403
        assert code_of(reader.get("/tokens")) == (403, "PERMISSION_DENIED")


def test_write_token_logs_but_cannot_manage_tokens(server: Server) -> None:
    with server.client(server.secret("trainer", "write")) as writer:
        run = writer.post("/runs", json={"project": "p"})
        assert run.status_code == 201
        batch = {"metrics": [["loss", 0.5, 0, 1]]}
        assert writer.post(f"/runs/{run.json()['id']}/log-batch", json=batch).status_code == 204
        assert writer.get(f"/runs/{run.json()['id']}").status_code == 200
        assert code_of(writer.get("/tokens")) == (403, "PERMISSION_DENIED")
        assert code_of(writer.post("/tokens", json={"name": "x", "role": "admin"}))[0] == 403


def test_admin_manages_tokens_and_revoked_tokens_fail(server: Server) -> None:
    ci = server.secret("ci", "write")
    assert ci.startswith("sy_")
    with server.client(server.admin) as admin:
        listed = admin.get("/tokens").json()["tokens"]
        assert [(t["name"], t["role"]) for t in listed] == [("root", "admin"), ("ci", "write")]
        assert all("secret" not in t and "token_hash" not in t for t in listed)
        duplicate = admin.post("/tokens", json={"name": "ci", "role": "read"})
        assert code_of(duplicate) == (409, "ALREADY_EXISTS")
        bad_role = admin.post("/tokens", json={"name": "z", "role": "owner"})
        assert code_of(bad_role) == (400, "INVALID_INPUT")
        with server.client(ci) as client:
            assert client.get("/projects").status_code == 200
        revoked = admin.delete("/tokens/ci")
        assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
        assert code_of(admin.delete("/tokens/nobody")) == (404, "TOKEN_NOT_FOUND")
    with server.client(ci) as client:
        assert code_of(client.get("/projects")) == (401, "UNAUTHENTICATED")


def test_secrets_are_stored_hashed(server: Server, tmp_path: Path) -> None:
    secret = server.secret("hashed", "read")
    with server.client(secret) as client:
        assert client.get("/projects").status_code == 200
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("shipyard"))
    assert hashlib.sha256(secret.encode()).hexdigest().encode() in stored
    for plain in (secret, server.admin):
        assert plain.encode() not in stored
        assert plain.removeprefix("sy_").encode() not in stored


def test_auth_off_is_anonymous_admin(live_server: Callable[..., Any], sqlite_url: str) -> None:
    url = live_server(sqlite_url).url + "/api/v1"
    with httpx.Client(base_url=url) as client:
        assert client.post("/tokens", json={"name": "a", "role": "read"}).status_code == 201
        assert client.post("/projects", json={"name": "p"}).status_code == 201


def test_token_service(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = create_store_engine(sqlite_url)
    tokens = TokenService(engine)
    assert Role.ADMIN.allows(Role.WRITE) and Role.WRITE.allows(Role.READ)
    assert not Role.READ.allows(Role.WRITE) and not Role.WRITE.allows(Role.ADMIN)

    info, secret = tokens.create("bot", "write")
    assert info.role is Role.WRITE and info.last_used_at is None
    with pytest.raises(AlreadyExistsError):
        tokens.create("bot", "read")

    clock = [1_000_000]
    monkeypatch.setattr("shipyard.auth.tokens.now_ms", lambda: clock[0])
    assert tokens.authenticate(secret).last_used_at == 1_000_000
    clock[0] += 30_000
    assert tokens.authenticate(secret).last_used_at == 1_000_000  # < 1 min: no write
    clock[0] += 31_000
    assert tokens.authenticate(secret).last_used_at == 1_061_000
    assert tokens.list()[0].last_used_at == 1_061_000

    assert tokens.revoke(info.id).revoked_at is not None
    with pytest.raises(AuthenticationError):
        tokens.authenticate(secret)
    with pytest.raises(TokenNotFoundError):
        tokens.revoke("missing")
    again, _ = tokens.create("bot", "read")  # the name is free once revoked
    assert tokens.get("bot").id == again.id and again.to_dict()["role"] == "read"
    engine.dispose()
