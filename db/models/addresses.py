"""One key per mailbox, however its address is spelt: the local part in lower case (as
nearly every server treats it; lower, not casefold: `straße` and `strasse` are two
mailboxes), the domain without case and in its IDNA 2008 ASCII form
(an internationalised domain comes back from mail servers as punycode), both in Unicode
NFC first."""

from __future__ import annotations

import unicodedata

import idna


def address_key(address: str) -> str:
    """Return `address` in the form every spelling of one mailbox shares (`straße.de` is
    `xn--strae-oqa.de`, not `strasse.de`); "" when it is not an address at all. A domain
    IDNA refuses is kept as written, lower-cased."""
    written = unicodedata.normalize("NFC", address.strip().strip("<>"))
    local, at, domain = written.rpartition("@")
    if not at or not local or not domain:
        return ""
    domain = domain.rstrip(".")
    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        ascii_domain = domain
    return f"{local.lower()}@{ascii_domain.lower()}"
