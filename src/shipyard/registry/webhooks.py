"""Webhook URL validation (against SSRF) and payload signing.

A webhook URL must be ``http`` or ``https`` with a host and no credentials, and every
address its host resolves to must be public. ``getaddrinfo`` does the resolving, so
the spellings an attacker would try (``2130706433``, ``0177.0.0.1``, ``0x7f.1``,
``[::ffff:127.0.0.1]``, a DNS name pointing at ``10.0.0.1``) are refused because of the
address they reach, not because of how they are written. The same check runs again on
the address each delivery connects to (``delivery.GuardedBackend``), so a name that is
re-pointed after registration (DNS rebinding) is refused too; redirects are never
followed. ``allow_private`` lifts the address check (the scheme rules stay).

Receivers verify ``X-Shipyard-Signature: sha256=<hex>``, the HMAC-SHA256 of
``"<X-Shipyard-Timestamp>." + body`` under the webhook's secret (``verify_signature``).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from shipyard.core.errors import InvalidWebhookError

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "check_address",
    "check_webhook_url",
    "is_public_address",
    "resolve_host",
    "sign_payload",
    "verify_signature",
]

SIGNATURE_HEADER = "X-Shipyard-Signature"
TIMESTAMP_HEADER = "X-Shipyard-Timestamp"
EVENT_HEADER = "X-Shipyard-Event"
DELIVERY_HEADER = "X-Shipyard-Delivery"
MAX_URL_CHARS = 2048
SCHEMES = ("http", "https")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def is_public_address(ip: IPAddress) -> bool:
    """True only for a globally routable unicast address (IPv4 inside IPv6 unwrapped)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded: ipaddress.IPv4Address | None = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip.teredo is not None:
            embedded = ip.teredo[1]
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
    return bool(
        ip.is_global
        and not (
            ip.is_private
            or ip.is_loopback
            or ip.is_link_local
            or ip.is_multicast
            or ip.is_reserved
            or ip.is_unspecified
        )
    )


def resolve_host(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (IP literals in any spelling included)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise InvalidWebhookError(
            f"Webhook host {host!r:.200} does not resolve: {exc}", host=host[:200]
        ) from exc
    found: list[IPAddress] = []
    for info in infos:
        text = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone id
        ip = ipaddress.ip_address(text)
        if ip not in found:
            found.append(ip)
    if not found:
        raise InvalidWebhookError(f"Webhook host {host!r:.200} has no address", host=host[:200])
    return found


def check_address(host: str, addresses: Sequence[IPAddress]) -> None:
    """Refuse unless every address is public."""
    for ip in addresses:
        if not is_public_address(ip):
            raise InvalidWebhookError(
                f"Webhook host {host!r:.200} resolves to {ip}, a loopback, private, "
                "link-local, multicast or reserved address; such targets need allow_private "
                "(embedded) or `shipyard server --webhook-allow-private`",
                host=host[:200],
                address=str(ip),
            )


def check_webhook_url(url: object, *, allow_private: bool = False) -> str:
    """The URL if it may be called; ``InvalidWebhookError`` naming the problem otherwise."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_CHARS:
        raise InvalidWebhookError(
            f"Webhook URL must be a string of 1-{MAX_URL_CHARS} characters, got {url!r:.80}"
        )
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise InvalidWebhookError(
            f"Webhook URL {url!r:.200} contains whitespace or control characters"
        )
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        raise InvalidWebhookError(
            f"Webhook URL {url!r:.200} must use http or https, not {parts.scheme or 'nothing'!r}",
            scheme=parts.scheme[:40],
        )
    if parts.username is not None or parts.password is not None:
        raise InvalidWebhookError(
            "Webhook URLs may not carry credentials (user:password@); the payload is signed "
            "with the webhook's secret instead"
        )
    host = parts.hostname
    if not host:
        raise InvalidWebhookError(f"Webhook URL {url!r:.200} has no host")
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError as exc:
        raise InvalidWebhookError(f"Webhook URL {url!r:.200} has an invalid port") from exc
    if not allow_private:
        check_address(host, resolve_host(host, port))
    return url


def sign_payload(secret: str, timestamp: str, body: bytes) -> str:
    """The value of ``X-Shipyard-Signature`` for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Constant-time check of a received signature (what a receiver should do)."""
    return hmac.compare_digest(sign_payload(secret, timestamp, body), signature)
