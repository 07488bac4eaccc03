"""Comparing addresses as mail servers do (the key is `db.models.addresses.address_key`:
the domain in its ASCII form, neither part with case)."""

from __future__ import annotations

from db.models.addresses import address_key


def same_address(first: str, second: str) -> bool:
    """True when both name one mailbox; never for an empty or malformed address."""
    key = address_key(first)
    return bool(key) and key == address_key(second)
