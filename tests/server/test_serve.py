"""``serve`` refuses to expose an unauthenticated API beyond loopback."""

from __future__ import annotations

import pytest

from shipyard.core.errors import InvalidInputError
from shipyard.server import is_loopback, serve
from shipyard.server.serve import check_bind


@pytest.mark.parametrize("host", ["127.0.0.1", "127.3.2.1", "localhost", "::1", "[::1]"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "10.0.0.5", "example.com", "192.168.1.2"])
def test_public_hosts(host: str) -> None:
    assert not is_loopback(host)


def test_serve_refuses_public_host_without_auth(sqlite_url: str) -> None:
    with pytest.raises(InvalidInputError, match="without authentication") as info:
        serve("0.0.0.0", 0, database_url=sqlite_url)
    assert "insecure" in info.value.message and info.value.details["host"] == "0.0.0.0"


def test_public_host_allowed_with_auth_or_explicit_opt_in() -> None:
    check_bind("0.0.0.0", auth=True, insecure_public=False)
    check_bind("0.0.0.0", auth=False, insecure_public=True)
    check_bind("127.0.0.1", auth=False, insecure_public=False)
