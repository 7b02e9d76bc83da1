"""Webhook URL validation against SSRF: every spelling of a private address is refused,
because the check looks at the addresses the host resolves to."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

from shipyard.core.errors import InvalidWebhookError
from shipyard.registry import check_webhook_url, is_public_address

PRIVATE_URLS = [
    "http://127.0.0.1/hook",
    "http://127.0.0.1:8080/hook",
    "http://localhost/hook",
    "http://LOCALHOST./hook",
    "http://[::1]/hook",
    "http://[0:0:0:0:0:0:0:1]/hook",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://[fd00:ec2::254]/latest/meta-data/",  # AWS metadata over IPv6
    "http://10.0.0.1/",
    "http://10.255.255.255/",
    "http://172.16.0.1/",
    "http://172.31.255.254/",
    "http://192.168.0.1/",
    "http://192.168.1.100:9000/x",
    "http://100.64.0.1/",  # carrier-grade NAT
    "http://0.0.0.0/",
    "http://0/",
    "http://[::]/",
    "http://224.0.0.1/",  # multicast
    "http://[ff02::1]/",
    "http://240.0.0.1/",  # reserved
    "http://255.255.255.255/",
    "http://[fe80::1]/",  # link-local
    "http://[fc00::1]/",  # unique local
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://2130706433/",  # decimal 127.0.0.1
    "http://017700000001/",  # octal 127.0.0.1
    "http://0177.0.0.1/",  # dotted octal
    "http://0x7f.0.0.1/",  # dotted hex
    "http://0x7f000001/",
    "http://127.1/",  # short form
    "http://0251.0376.0251.0376/",  # octal 169.254.169.254
    "http://2852039166/",  # decimal 169.254.169.254
    "http://012.0.0.1/",  # octal 10.0.0.1
]

BAD_SCHEMES = [
    "file:///etc/passwd",
    "gopher://93.184.216.34:70/_x",
    "ftp://93.184.216.34/x",
    "dict://93.184.216.34:11211/stat",
    "javascript:alert(1)",
    "//93.184.216.34/x",
    "93.184.216.34/x",
    "ws://93.184.216.34/x",
]


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_private_targets_are_refused(url: str) -> None:
    with pytest.raises(InvalidWebhookError, match=r"resolves to|does not resolve"):
        check_webhook_url(url)
    assert check_webhook_url(url, allow_private=True) == url


@pytest.mark.parametrize("url", BAD_SCHEMES)
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(InvalidWebhookError):
        check_webhook_url(url, allow_private=True)


@pytest.mark.parametrize(
    "url",
    ["http://user:pw@93.184.216.34/", "http://93.184.216.34:99999/", "http:///x",
     "http://93.184.216.34/a b", "http://93.184.216.34/\r\nX: y", "x" * 3000, ""],
)  # fmt: skip
def test_malformed_urls(url: str) -> None:
    with pytest.raises(InvalidWebhookError):
        check_webhook_url(url, allow_private=True)


def test_public_addresses_pass() -> None:
    for url in ("http://93.184.216.34/hook", "https://[2606:2800:220:1:248:1893:25c8:1946]/x",
                "https://8.8.8.8:8443/a?b=c"):  # fmt: skip
        assert check_webhook_url(url) == url


def _fake_dns(monkeypatch: pytest.MonkeyPatch, table: dict[str, list[str]]) -> None:
    real = socket.getaddrinfo

    def fake(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in table:
            return [
                (socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (ip, port))
                for ip in table[host]
            ]  # fmt: skip
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_dns_names_are_judged_by_every_address(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_dns(
        monkeypatch,
        {
            "internal.example.test": ["10.1.2.3"],
            "mixed.example.test": ["93.184.216.34", "192.168.1.5"],
            "rebind.example.test": ["::ffff:127.0.0.1"],
            "public.example.test": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
        },
    )
    for host in ("internal", "mixed", "rebind"):
        with pytest.raises(InvalidWebhookError, match="resolves to"):
            check_webhook_url(f"https://{host}.example.test/hook")
    assert check_webhook_url("https://public.example.test/hook")


def test_unresolvable_hosts_are_refused() -> None:
    with pytest.raises(InvalidWebhookError, match="does not resolve"):
        check_webhook_url("https://no-such-host.invalid/hook")


def test_is_public_address_unwraps_embedded_ipv4() -> None:
    assert is_public_address(ipaddress.ip_address("::ffff:93.184.216.34"))
    assert not is_public_address(ipaddress.ip_address("::ffff:10.0.0.1"))
    assert not is_public_address(ipaddress.ip_address("2001:0:4136:e378:8000:63bf:f5ff:fffe"))
