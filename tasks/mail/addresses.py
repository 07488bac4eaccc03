"""Addresses as mail servers compare them (the key is `db.models.addresses.address_key`:
the domain in its ASCII form, neither part with case) and as each route carries them: an
internationalised domain goes as IDNA 2008 ASCII in the envelope, and in the headers too
unless the route takes UTF-8 (RFC 6531, 6532); a non-ASCII local part has no ASCII form,
so it goes only by a route that takes UTF-8."""

from __future__ import annotations

from collections.abc import Callable

import idna

from db.models.addresses import address_key

# The reason a message fails when its recipient's local part is not ASCII and the relay
# cannot carry it (RFC 6531 3.2: nothing is tried). Counted with other reasons in a
# run's summary, so it names no address.
NO_SMTPUTF8 = (
    "not sent: the mail server does not offer SMTPUTF8, which an address with a non-ASCII"
    " local part needs (RFC 6531)"
)
NOT_IDNA = "not sent: the address's domain is not a valid internationalised domain name (IDNA 2008)"
NOT_AN_ADDRESS = "not sent: the address has no local part, @ and domain"


class Unroutable(ValueError):
    """The address cannot go by this route; the message says why without naming it."""


def same_address(first: str, second: str) -> bool:
    """True when both name one mailbox; never for an empty or malformed address."""
    key = address_key(first)
    return bool(key) and key == address_key(second)


def ascii_domain(address: str) -> str:
    """Return `address` with its domain in IDNA 2008 ASCII form (`straße.de` is
    `xn--strae-oqa.de`) and its local part as written: the address itself when it is
    ASCII (checked first, so plain addresses cost nothing). Raises `Unroutable` when the
    domain is not a valid internationalised domain name (a symbol, a label over 63
    octets, hyphens in the 3rd and 4th places...) or the address has no local part."""
    if address.isascii():
        return address
    local, at, domain = address.rpartition("@")
    if not at or not local:
        raise Unroutable(NOT_AN_ADDRESS)
    try:
        encoded = idna.encode(domain.rstrip("."), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        raise Unroutable(NOT_IDNA) from None
    return f"{local}@{encoded}"


def routed(address: str, takes_utf8: Callable[[], bool]) -> str:
    """Return `address` as the headers of a message carry it: as written when the route
    takes UTF-8 (RFC 6532), else with its domain in ASCII. `takes_utf8` is asked only
    for an address that is not ASCII (asking an SMTP relay connects to it). Raises
    `Unroutable` for a domain that is not IDNA 2008, or for a non-ASCII local part by a
    route that does not take UTF-8."""
    if address.isascii():
        return address
    ascii_form = ascii_domain(address)
    if takes_utf8():
        return address
    if not ascii_form.isascii():
        raise Unroutable(NO_SMTPUTF8)
    return ascii_form
