"""Which hosts are this machine: plain HTTP is allowed only to them (config), and
no proxy ever stands between r1 and them (wire)."""

from __future__ import annotations

import ipaddress


def is_loopback_host(host: str) -> bool:
    """`localhost` or a loopback address. Not a name that merely starts like one
    ("127.0.0.1.evil.example"), and not `*.localhost`, which a resolver may not keep
    on this machine."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
