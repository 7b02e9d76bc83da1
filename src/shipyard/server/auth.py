"""The one access dependency every router passes: who is calling, and may they?

With auth off every caller is an anonymous admin. With auth on a request needs
``Authorization: Bearer <token>``: GET/HEAD need the read role, other methods write,
and anything under ``/api/v1/tokens`` or ``/api/v1/admin`` admin. ``/api/v1/health``
stays open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from shipyard.auth.tokens import Role, TokenService
from shipyard.core.errors import AuthenticationError, PermissionDeniedError

API_PREFIX = "/api/v1"
OPEN_PATHS = frozenset({f"{API_PREFIX}/health"})
ADMIN_PREFIX = f"{API_PREFIX}/tokens"
ADMIN_PREFIXES = (ADMIN_PREFIX, f"{API_PREFIX}/admin")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# POST only because the query does not fit in a URL: these read, so the read role will do
READ_POSTS = frozenset(
    {
        f"{API_PREFIX}/runs/search",
        f"{API_PREFIX}/features/online",
        f"{API_PREFIX}/features/historical",
    }
)
# The web UI keeps the token in this cookie (HttpOnly, SameSite=Strict). It is accepted
# for reads only, so a forged cross-site form can never change anything.
SESSION_COOKIE = "shipyard_session"


@dataclass(frozen=True)
class Principal:
    """The caller of a request: the token's name and role (no token when auth is off)."""

    name: str
    role: Role
    token_id: str | None = None


ANONYMOUS_ADMIN = Principal("anonymous", Role.ADMIN)
ANONYMOUS_READER = Principal("anonymous", Role.READ)


def required_role(method: str, path: str) -> Role:
    """The least role a request needs."""
    if any(path == prefix or path.startswith(prefix + "/") for prefix in ADMIN_PREFIXES):
        return Role.ADMIN
    if method.upper() in READ_METHODS or (method.upper() == "POST" and path in READ_POSTS):
        return Role.READ
    return Role.WRITE


_bearer = HTTPBearer(
    auto_error=False,
    description="An API token (``sy_...``) from ``shipyard token create``; needed when "
    "the server runs with auth on.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def bearer_secret(credentials: HTTPAuthorizationCredentials | None) -> str:
    """The token of an ``Authorization: Bearer`` header, or AuthenticationError."""
    if credentials is None or not credentials.credentials.strip():
        raise AuthenticationError(
            "Authentication required: send the header 'Authorization: Bearer <token>'"
        )
    return credentials.credentials.strip()


def request_secret(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str:
    """The bearer token, or for reads the UI's session cookie."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if credentials is None and cookie and request.method.upper() in READ_METHODS:
        return cookie.strip()
    return bearer_secret(credentials)


async def require_access(request: Request, credentials: Credentials) -> Principal:
    """Authenticate and authorise the request; the principal is also put on request.state."""
    path = request.url.path
    if not request.app.state.auth_enabled:
        principal = ANONYMOUS_ADMIN
    elif path in OPEN_PATHS:
        principal = ANONYMOUS_READER
    else:
        tokens: TokenService = request.app.state.tokens
        info = await run_in_threadpool(tokens.authenticate, request_secret(request, credentials))
        principal = Principal(info.name, info.role, info.id)
        needed = required_role(request.method, path)
        if not principal.role.allows(needed):
            raise PermissionDeniedError(
                f"Token {info.name!r} has role {info.role.value!r}; "
                f"{request.method} {path} needs {needed.value!r}",
                required_role=needed.value,
            )
    request.state.principal = principal
    return principal
