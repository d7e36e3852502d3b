"""Which hosts count as loopback (plain http is allowed only to those)."""

from __future__ import annotations

import pytest

from r1cli.core.hosts import is_loopback_host


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("127.0.0.1.example.com", False),
        ("127.evil.example", False),
        ("localhost.example.com", False),
        ("10.0.0.1", False),
        ("example.com", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback
