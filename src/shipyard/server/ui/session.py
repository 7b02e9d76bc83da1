"""UI sessions: a token typed into the login page becomes an HttpOnly cookie.

Pages check the cookie themselves and redirect to ``/login`` instead of answering 401,
so a shared link leads a signed-out colleague to the login page and back.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from shipyard.auth.tokens import TokenService
from shipyard.core.errors import AuthenticationError
from shipyard.server.auth import SESSION_COOKIE

COOKIE_MAX_AGE_S = 30 * 24 * 3600


class LoginRequiredError(Exception):
    """Raised by a page whose visitor is not signed in; becomes a redirect."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


async def require_session(request: Request) -> str:
    """The signed-in token's name (``anonymous`` with auth off), else LoginRequiredError."""
    if not request.app.state.auth_enabled:
        return "anonymous"
    secret = request.cookies.get(SESSION_COOKIE, "")
    tokens: TokenService = request.app.state.tokens
    try:
        info = await run_in_threadpool(tokens.authenticate, secret)
    except AuthenticationError:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequiredError(path) from None
    return info.name


def login_redirect(exc: LoginRequiredError) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(exc.next_url, safe='')}", status_code=303)


def safe_next(value: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def set_session(response: RedirectResponse, secret: str, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE, secret, max_age=COOKIE_MAX_AGE_S, httponly=True, samesite="strict",
        secure=secure, path="/",
    )  # fmt: skip
