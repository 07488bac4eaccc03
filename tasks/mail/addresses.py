"""Comparing addresses as mail servers do: the domain without case and in its ASCII form
(an internationalised domain may come back as punycode), the local part without case (as
nearly every server treats it)."""

from __future__ import annotations


def address_key(address: str) -> str:
    """Return `address` in the form two spellings of one mailbox share; "" when it is not
    an address at all."""
    local, at, domain = address.strip().strip("<>").rpartition("@")
    if not at or not local or not domain:
        return ""
    try:
        ascii_domain = domain.rstrip(".").encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        ascii_domain = domain
    return f"{local.casefold()}@{ascii_domain.casefold()}"


def same_address(first: str, second: str) -> bool:
    """True when both name one mailbox; never for an empty or malformed address."""
    key = address_key(first)
    return bool(key) and key == address_key(second)
