"""API tokens: create, list, revoke and authenticate bearer secrets.

A secret is ``sy_`` followed by 32 random bytes (URL-safe base64). Only its SHA-256 hex
digest is stored, so a leaked database does not leak working credentials; lookups go
by digest, which also makes a timing-safe comparison unnecessary.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, RowMapping, select, update

from shipyard.core.errors import (
    AlreadyExistsError,
    AuthenticationError,
    InvalidInputError,
    TokenNotFoundError,
)
from shipyard.core.timeutil import now_ms
from shipyard.store.db import read_connection, write_transaction
from shipyard.store.schema import api_tokens

SECRET_PREFIX = "sy_"
MAX_TOKEN_NAME_LENGTH = 256
LAST_USED_RESOLUTION_MS = 60_000
"""``last_used_at`` is refreshed at most this often, so requests rarely write."""


class Role(StrEnum):
    """What a token may do; each role includes the ones below it (admin ⊃ write ⊃ read)."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, required: Role) -> bool:
        """True when this role is at least ``required``."""
        return self.rank >= required.rank

    @classmethod
    def parse(cls, value: str | Role) -> Role:
        """A role from its name, or InvalidInputError listing the choices."""
        try:
            return cls(value)
        except ValueError as exc:
            choices = ", ".join(r.value for r in cls)
            raise InvalidInputError(f"Unknown role {value!r}; use one of {choices}") from exc


_RANKS = {Role.READ: 0, Role.WRITE: 1, Role.ADMIN: 2}


@dataclass(frozen=True)
class TokenInfo:
    """What is known about a token, never including its secret."""

    id: str
    name: str
    role: Role
    created_at: int
    last_used_at: int | None
    revoked_at: int | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role.value,
            "created_at": self.created_at,
            "last_used_at": self.last_used_at,
            "revoked_at": self.revoked_at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TokenInfo:
        return cls(
            id=str(data["id"]),
            name=str(data["name"]),
            role=Role(data["role"]),
            created_at=int(data["created_at"]),
            last_used_at=data.get("last_used_at"),
            revoked_at=data.get("revoked_at"),
        )


def hash_secret(secret: str) -> str:
    """The stored form of a secret: its SHA-256 hex digest."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _info(row: RowMapping) -> TokenInfo:
    return TokenInfo(
        id=row["id"],
        name=row["name"],
        role=Role(row["role"]),
        created_at=int(row["created_at"]),
        last_used_at=None if row["last_used_at"] is None else int(row["last_used_at"]),
        revoked_at=None if row["revoked_at"] is None else int(row["revoked_at"]),
    )


_COLUMNS = (
    api_tokens.c.id,
    api_tokens.c.name,
    api_tokens.c.role,
    api_tokens.c.created_at,
    api_tokens.c.last_used_at,
    api_tokens.c.revoked_at,
)


class TokenService:
    """Token management and authentication over the ``api_tokens`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, name: str, role: Role | str) -> tuple[TokenInfo, str]:
        """A new token and its secret; the secret is shown once and never stored."""
        name = _check_name(name)
        role = Role.parse(role)
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        info = TokenInfo(uuid.uuid4().hex, name, role, now_ms(), None, None)
        row = {**info.to_dict(), "token_hash": hash_secret(secret)}
        with write_transaction(self.engine) as conn:
            taken = conn.execute(
                select(api_tokens.c.id).where(
                    api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None)
                )
            ).first()
            if taken is not None:
                raise AlreadyExistsError(f"An active token named {name!r} already exists")
            conn.execute(api_tokens.insert().values(row))
        return info, secret

    def get(self, id_or_name: str) -> TokenInfo:
        """A token by id, else the active (or most recent) token of that name."""
        with read_connection(self.engine) as conn:
            row = self._find(conn, id_or_name)
        if row is None:
            raise TokenNotFoundError(f"No token with id or name {id_or_name!r}")
        return _info(row)

    def revoke(self, id_or_name: str) -> TokenInfo:
        """Revoke a token by id or name; revoking twice keeps the first revocation time."""
        with write_transaction(self.engine) as conn:
            row = self._find(conn, id_or_name)
            if row is None:
                raise TokenNotFoundError(f"No token with id or name {id_or_name!r}")
            info = _info(row)
            if info.revoked_at is None:
                revoked_at = now_ms()
                conn.execute(
                    update(api_tokens)
                    .where(api_tokens.c.id == info.id)
                    .values(revoked_at=revoked_at)
                )
                info = replace(info, revoked_at=revoked_at)
        return info

    def authenticate(self, secret: str) -> TokenInfo:
        """The token a secret belongs to, or AuthenticationError if unknown or revoked."""
        if not secret.startswith(SECRET_PREFIX):
            raise AuthenticationError("invalid or revoked token")
        digest = hash_secret(secret)
        with read_connection(self.engine) as conn:
            row = (
                conn.execute(select(*_COLUMNS).where(api_tokens.c.token_hash == digest))
                .mappings()
                .first()
            )
        if row is None or row["revoked_at"] is not None:
            raise AuthenticationError("invalid or revoked token")
        info = _info(row)
        now = now_ms()
        if info.last_used_at is None or now - info.last_used_at >= LAST_USED_RESOLUTION_MS:
            with write_transaction(self.engine) as conn:
                conn.execute(
                    update(api_tokens).where(api_tokens.c.id == info.id).values(last_used_at=now)
                )
            info = replace(info, last_used_at=now)
        return info

    @staticmethod
    def _find(conn: Any, id_or_name: str) -> RowMapping | None:
        by_id = conn.execute(select(*_COLUMNS).where(api_tokens.c.id == id_or_name))
        row: RowMapping | None = by_id.mappings().first()
        if row is not None:
            return row
        by_name = conn.execute(
            select(*_COLUMNS)
            .where(api_tokens.c.name == id_or_name)
            .order_by(api_tokens.c.revoked_at.is_not(None), api_tokens.c.created_at.desc())
        )
        found: RowMapping | None = by_name.mappings().first()
        return found

    def list(self) -> list[TokenInfo]:
        """Every token, active and revoked, oldest first."""
        with read_connection(self.engine) as conn:
            rows = conn.execute(select(*_COLUMNS).order_by(api_tokens.c.created_at)).mappings()
            return [_info(r) for r in rows]


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError(f"Token name must be a non-empty string, got {name!r}")
    if len(name) > MAX_TOKEN_NAME_LENGTH or "\x00" in name:
        raise InvalidInputError(
            f"Token name {name[:40]!r} is too long or has a NUL (limit {MAX_TOKEN_NAME_LENGTH})"
        )
    return name
