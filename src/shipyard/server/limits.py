"""A pure-ASGI middleware that caps the size of request bodies.

A declared ``Content-Length`` over the limit is refused before the app runs. A body
sent without one (chunked) is counted as it streams; once it crosses the limit the app
sees an error on ``receive`` and whatever response it then starts is replaced by the
413, so every route answers the same way however it reads its body.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shipyard.core.errors import RequestTooLargeError

DEFAULT_MAX_REQUEST_BYTES = 64 * 1024 * 1024


def _too_large(limit: int) -> RequestTooLargeError:
    return RequestTooLargeError(
        f"Request body is larger than the server limit of {limit} bytes", limit=limit
    )


async def send_too_large(send: Send, limit: int) -> None:
    """Send the 413 JSON error response."""
    body = orjson.dumps(_too_large(limit).to_dict())
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodySizeLimitMiddleware:
    """Reject request bodies larger than ``max_bytes`` with 413 REQUEST_TOO_LARGE."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_REQUEST_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await send_too_large(send, self.max_bytes)
            return
        await _LimitedExchange(self.app, self.max_bytes, receive, send).run(scope)


class _LimitedExchange:
    """One request whose body is counted as it arrives."""

    def __init__(self, app: ASGIApp, limit: int, receive: Receive, send: Send) -> None:
        self.app = app
        self.limit = limit
        self._receive = receive
        self._send = send
        self.received = 0
        self.exceeded = False
        self.started = False
        self.replaced = False

    async def run(self, scope: Scope) -> None:
        try:
            await self.app(scope, self.receive, self.send)
        except Exception:
            if not self.exceeded or self.started:
                raise
            await self._replace()

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                self.exceeded = True
                raise _too_large(self.limit)
        return message

    async def send(self, message: Message) -> None:
        if self.exceeded and (self.replaced or not self.started):
            # Whatever the app answers after the overflow, the client gets the 413.
            if not self.replaced and message["type"] == "http.response.start":
                await self._replace()
            return
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)

    async def _replace(self) -> None:
        self.started = self.replaced = True
        await send_too_large(self._send, self.limit)


def _content_length(scope: Scope) -> int | None:
    headers: Any = scope.get("headers") or []
    for name, value in headers:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
