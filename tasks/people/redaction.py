"""Taking an erased person out of the records that stay: each spelling of their address,
their name and what they wrote, wherever it is quoted (a trail, a server's reply, a
register entry), becomes `ERASED`."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import idna

from db.models import WORD_FIELDS, Contact, Response
from db.models.addresses import address_key

ERASED = "[erased]"
# Shorter needles ("Bo", "ok") would cut words that are no one's out of the records.
MIN_NEEDLE = 3


@dataclass(frozen=True)
class Redactor:
    """Replaces its needles, case aside, longest first."""

    pattern: re.Pattern[str] | None

    @classmethod
    def of(cls, needles: Iterable[str]) -> Redactor:
        kept = sorted({n.strip() for n in needles if len(n.strip()) >= MIN_NEEDLE}, key=len)
        if not kept:
            return cls(None)
        return cls(re.compile("|".join(map(re.escape, reversed(kept))), re.IGNORECASE))

    def text(self, value: str | None) -> str | None:
        if not value or self.pattern is None:
            return value
        return self.pattern.sub(ERASED, value)

    def value(self, value: Any) -> Any:
        """Return `value` (text, or JSON: lists and objects, keys kept) redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {key: self.value(item) for key, item in value.items()}
        return value


def address_forms(address: str) -> set[str]:
    """Return the spellings of `address` a record may quote: as written, its key (the
    domain in ASCII), and the domain in Unicode."""
    forms = {address}
    key = address_key(address)
    if key:
        local, _, domain = key.rpartition("@")
        forms.add(key)
        with contextlib.suppress(idna.IDNAError, UnicodeError, ValueError):
            forms.add(f"{local}@{idna.decode(domain)}")
    return forms


def identities(contacts: Iterable[Contact]) -> set[str]:
    """Return who the person is: their names and every spelling of their address."""
    found: set[str] = set()
    for contact in contacts:
        found.add(contact.name)
        found |= address_forms(contact.email) if contact.email else set()
    return found


def needles(contacts: Iterable[Contact], responses: Iterable[Response]) -> set[str]:
    """Return what identifies the person: who they are, and what they wrote (to be looked
    for only in records about them: a short answer is a word anywhere else)."""
    found = identities(contacts)
    for response in responses:
        found.add(response.text)
        answers = response.answers or {}
        found |= {str(answers[k]) for k in (*WORD_FIELDS, "subject") if answers.get(k)}
    return found
