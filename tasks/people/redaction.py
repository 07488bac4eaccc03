"""Taking an erased person out of the records that stay: each spelling of their address and
their full name, wherever it is quoted (a trail, a server's reply, a colleague's answer, a
bounce), becomes `ERASED`; what they wrote, only in free text about them. Needles match
whole words only: erasing "Mark" leaves "a remarkable year" and "Bookmark" alone."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import idna

from db.models import WORD_FIELDS, Contact, Response
from db.models.addresses import address_key
from db.models.partners import DEFAULT_ROLE

ERASED = "[erased]"
# Shorter words ("Bo", "ok") would cut words that are no one's out of the records; a name
# may be two letters (王芳).
MIN_WORDS = 3
MIN_NAME = 2
# A needle stands alone: no letter, digit, combining mark, hyphen or address character
# joins it on either side ("Jean-Mark", "राजू" for "राज", "mark@…", "ngo.mark.org" are
# someone else), while a full stop ending a sentence may follow it. Scripts written without
# spaces between words (Han, kana, Hangul, Thai…) have no such edge: a name there stands
# among other letters.
JOINING = frozenset("_")
BEFORE_ADDRESS = frozenset(".+@-")
AFTER_ADDRESS = frozenset("@-")
UNSPACED = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "THAI", "LAO", "KHMER", "MYANMAR")
# Between a name's parts: spaces, a line break or a hyphen; an apostrophe in any form.
SEPARATOR = r"[\s\-\u2010]+"
APOSTROPHE = "['\u2019\u02bc]"
_APOSTROPHES = re.compile(APOSTROPHE)
# The keys of JSON records whose values are free text someone wrote, as opposed to choices.
FREE_TEXT_KEYS = frozenset({*WORD_FIELDS, "text", "comment", "reason", "handled_note"})


def _needle(text: str) -> str:
    """Return `text` as a pattern: its parts apart by any separator, any apostrophe."""
    parts = re.split(r"[\s\-\u2010]+", text.strip())
    return SEPARATOR.join(_APOSTROPHES.sub(APOSTROPHE, re.escape(part)) for part in parts)


def _joins(character: str) -> bool:
    """True when `character` would make a needle part of a longer word."""
    return (
        character.isalnum()
        or unicodedata.category(character).startswith("M")
        or character in JOINING
    )


def _unspaced(character: str) -> bool:
    return unicodedata.name(character, "").startswith(UNSPACED)


def _stands_alone(text: str, start: int, end: int) -> bool:
    """True when `text[start:end]` is a whole word (see the edges above)."""
    if start > 0:
        before = text[start - 1]
        joined = _joins(before) and not (_unspaced(before) or _unspaced(text[start]))
        if before in BEFORE_ADDRESS or joined:
            return False
    if end < len(text):
        after = text[end]
        if after in AFTER_ADDRESS or (
            after == "." and end + 1 < len(text) and _joins(text[end + 1])
        ):
            return False
        if _joins(after) and not (_unspaced(after) or _unspaced(text[end - 1])):
            return False
    return True


@dataclass(frozen=True)
class Redactor:
    """Replaces its needles, whole words only, case aside, longest first."""

    pattern: re.Pattern[str] | None

    @classmethod
    def of(cls, needles: Iterable[str], shortest: int = MIN_WORDS) -> Redactor:
        kept = {" ".join(unicodedata.normalize("NFC", n).split()) for n in needles if n}
        ordered = sorted((n for n in kept if len(n) >= shortest), key=len, reverse=True)
        if not ordered:
            return cls(None)
        return cls(re.compile("|".join(map(_needle, ordered)), re.IGNORECASE))

    def text(self, value: str | None) -> str | None:
        """Return `value` redacted; unchanged (as stored, not normalised) when nothing in it
        matched."""
        if not value or self.pattern is None:
            return value
        written = unicodedata.normalize("NFC", value)
        parts, last = [], 0
        for match in self.pattern.finditer(written):
            if _stands_alone(written, match.start(), match.end()):
                parts += [written[last : match.start()], ERASED]
                last = match.end()
        return "".join([*parts, written[last:]]) if parts else value

    def value(self, value: Any) -> Any:
        """Return `value` (text, or JSON: lists and objects, keys kept) redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {key: self.value(item) for key, item in value.items()}
        return value


@dataclass(frozen=True)
class Scrubber:
    """Who the person is (`who`: full names and addresses, for any record) and what they
    wrote as well (`theirs`: for free text in records about them, never choice values)."""

    who: Redactor
    theirs: Redactor

    def details(self, value: Any, free: bool = False) -> Any:
        """Return a JSON record redacted: who the person is everywhere, their words too in
        the values of free-text keys (a comment, a reason), whatever their depth."""
        if isinstance(value, str):
            return (self.theirs if free else self.who).text(value)
        if isinstance(value, list):
            return [self.details(item, free) for item in value]
        if isinstance(value, dict):
            return {k: self.details(v, free or k in FREE_TEXT_KEYS) for k, v in value.items()}
        return value


def address_forms(address: str) -> set[str]:
    """Return the spellings of `address` a record may quote: as written, its key (the
    domain in ASCII), and the domain in Unicode (case aside: the redactor ignores it)."""
    forms = {address}
    key = address_key(address)
    if key:
        local, _, domain = key.rpartition("@")
        forms.add(key)
        with contextlib.suppress(idna.IDNAError, UnicodeError, ValueError):
            forms.add(f"{local}@{idna.decode(domain)}")
    return forms


def addresses(contacts: Iterable[Contact]) -> set[str]:
    """Return every spelling of the contacts' addresses."""
    found: set[str] = set()
    for contact in contacts:
        found |= address_forms(contact.email) if contact.email else set()
    return found


def identities(contacts: Iterable[Contact]) -> set[str]:
    """Return who the person is: their full names, each also as eTools wrote it before
    the role was split from it ("Name (Role, Place)", still in older records), and every
    spelling of their address."""
    contacts = list(contacts)
    names = {contact.name for contact in contacts}
    with_roles = {f"{c.name} ({c.role})" for c in contacts if c.role and c.role != DEFAULT_ROLE}
    return names | with_roles | addresses(contacts)


def words(responses: Iterable[Response]) -> set[str]:
    """Return what the person wrote: each reply's or note's text, each free-text answer
    and subject, whole."""
    found: set[str] = set()
    for response in responses:
        found.add(response.text)
        answers = response.answers or {}
        found |= {str(answers[k]) for k in (*WORD_FIELDS, "subject") if answers.get(k)}
    return found


def scrubber(contacts: list[Contact], responses: Iterable[Response]) -> Scrubber:
    """Return the person's scrubber."""
    who = identities(contacts)
    theirs = {text for text in words(responses) if len(text.strip()) >= MIN_WORDS}
    return Scrubber(Redactor.of(who, MIN_NAME), Redactor.of(who | theirs, MIN_NAME))
