"""What a host name in a setting tells us about where it is."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """Return True for this machine: `localhost`, 127.0.0.0/8 or ::1 (not a name that
    merely resolves there)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
