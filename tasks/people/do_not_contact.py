"""The do-not-contact list: each erased person as a keyed hash (HMAC-SHA256 under the
deployment's secret key) of their address's key, so that no import brings them back and
nothing is mailed to them again, while the list itself names no one (a bare hash of an
address is reversed by hashing guesses). A person eTools lists without an address is
listed by their partner's vendor number and name instead (NFKC, case aside: never folded
to ASCII, which would make every Arabic, Greek or Amharic name the same empty one)."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from db.erasure import erased_hmacs, erasure_listed
from db.models.addresses import address_key
from tasks.settings import get_settings


def _hmac(secret: str, subject: str) -> str:
    return hmac.new(secret.encode(), subject.encode(), hashlib.sha256).hexdigest()


def address_hmac(secret: str, address: str) -> str:
    """Return the list's hash of `address`: the same for every spelling of it (Unicode or
    punycode domain, any case). The message is prefixed with its purpose, as every other
    use of the key is, so that no hash made for one purpose serves another."""
    return _hmac(secret, f"erased-address:{address_key(address)}")


def member_key(name: str) -> str:
    """Return `name` as the list compares it: NFKC, case and spacing aside, in any script."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def member_hmac(secret: str, vendor_number: str, name: str) -> str | None:
    """Return the list's hash of a partner's staff member eTools lists with no address;
    None for a blank name (it would stand for every nameless member of the partner)."""
    key = member_key(name)
    return _hmac(secret, f"erased-member:{vendor_number}:{key}") if key else None


def listing_hmac(secret: str, address: str | None, vendor_number: str, name: str) -> str | None:
    """Return the hash under which a person is listed: by address, else by name (None
    with neither)."""
    return address_hmac(secret, address) if address else member_hmac(secret, vendor_number, name)


@dataclass(frozen=True)
class DoNotContact:
    """The list as read once, for checking many people (an import)."""

    secret: str
    hmacs: frozenset[str]

    @classmethod
    def load(cls, session: Session, secret: str | None = None) -> DoNotContact:
        """Read the list; the secret key (the configured one unless given) is needed only
        when the list is not empty, and `SettingsError` says so when it is missing."""
        hmacs = erased_hmacs(session)
        if not hmacs:
            return cls("", frozenset())
        return cls(secret or get_settings().required_secret_key(), frozenset(hmacs))

    def lists(self, address: str | None, vendor_number: str = "", name: str = "") -> bool:
        """True when the person (by address, else by partner and name) was erased."""
        if not self.hmacs:
            return False
        digest = listing_hmac(self.secret, address, vendor_number, name)
        return digest is not None and digest in self.hmacs


def erased_on(session: Session, address: str) -> datetime | None:
    """Return when the person with `address` was erased, or None when they were not."""
    listed = DoNotContact.load(session)
    if not listed.lists(address):
        return None
    entry = erasure_listed(session, address_hmac(listed.secret, address))
    return entry.erased_at if entry else None
