"""A partner's people as eTools lists them in `Staff Members`: "Full Name (email), …",
where the full name often carries the person's role and place in parentheses ("Fatou
Bintou Sarr (Coordinatrice, Thiès)"): the name is what mail greets, the role is kept apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from db.models import ROLE_LENGTH
from db.models.addresses import address_key
from tasks.etools.files import MAX_CELL_CHARS, Row

# Parentheses as written in Latin, Arabic or Cyrillic text, and the full-width ones of
# Chinese and Japanese text; each closes only its own kind.
OPENING = {")": "(", "\uff09": "\uff08"}
NAME_LENGTH = 256


@dataclass(frozen=True)
class StaffMember:
    """One person: `name` without the role, `role` None when eTools gives none, and
    `written`, the name as eTools writes it, role included (how a person erased before
    roles were split is listed)."""

    name: str
    email: str | None
    role: str | None = None
    written: str = field(default="", compare=False)


def name_and_role(written: str) -> tuple[str, str | None]:
    """Return the name and the role of a full name as eTools writes it.

    The role is the parenthesised part ending it, parentheses inside it kept, its spacing
    collapsed, cut to `ROLE_LENGTH` (an ellipsis ending what was cut); an empty one is
    dropped (None). The whole is the name, with no role, when nothing precedes that part
    ("(Coordinatrice)") or when the parentheses do not pair up ("Awa (Dakar").
    """
    written = written.strip()
    opening = _trailing_group(written)
    if opening is None or not written[:opening].strip():
        return written, None
    name = written[:opening].strip()
    role = " ".join(written[opening + 1 : -1].split())
    if len(role) > ROLE_LENGTH:
        role = role[: ROLE_LENGTH - 1].rstrip() + "…"
    return name, role or None


def _trailing_group(text: str) -> int | None:
    """Return where the parenthesised part ending `text` opens; None when `text` ends
    otherwise or holds a parenthesis that does not pair up."""
    open_at: list[int] = []
    last = None
    for index, character in enumerate(text):
        if character in OPENING.values():
            open_at.append(index)
        elif character in OPENING:
            if not open_at or text[open_at[-1]] != OPENING[character]:
                return None
            last = open_at.pop()
    if open_at or not text.endswith(tuple(OPENING)):
        return None
    return last


def staff_members(row: Row) -> tuple[StaffMember, ...]:
    """Return the people in `Staff Members` ("Full Name (email), …").

    The e-mail is the last parenthesised group of an entry when it holds an `@`; before it,
    a parenthesised part ending the name is the role (`name_and_role`). An entry without an
    address is a contact with no address. Addresses are validated and normalised (lower
    case); a repeated address, or a repeated name without one, is kept once.
    """
    column = "Staff Members"
    members: dict[str, StaffMember] = {}
    addressless: dict[str, StaffMember] = {}
    for entry in _top_level_split(row.text(column, MAX_CELL_CHARS)):
        written, email = _name_and_email(entry)
        name, role = name_and_role(written)
        if not name:
            row.problem(column, f"entry {entry!r} has no name")
        elif len(name) > NAME_LENGTH:
            row.problem(column, f"a name is {len(name)} characters long, at most {NAME_LENGTH}")
        elif email is None:
            # Matched by name on the next import: two with one name would be one contact.
            addressless.setdefault(name, StaffMember(name, None, role, written))
        else:
            try:
                normalized = validate_email(email, check_deliverability=False).normalized.lower()
            except EmailNotValidError as error:
                row.problem(column, f"invalid e-mail {email!r} for {name}: {error}")
                continue
            # One mailbox however spelt (either form of the domain, any case) is one member.
            member = StaffMember(name, normalized, role, written)
            members.setdefault(address_key(normalized), member)
    return (*members.values(), *addressless.values())


def _name_and_email(entry: str) -> tuple[str, str | None]:
    for closing, opening in OPENING.items():
        if entry.endswith(closing):
            start = entry.rfind(opening)
            candidate = entry[start + 1 : -1].strip()
            if start >= 0 and "@" in candidate:
                return entry[:start].strip(), candidate
    return entry.strip(), None


def _top_level_split(cell: str) -> Iterator[str]:
    """Yield the comma-separated entries of `cell`, ignoring commas inside parentheses."""
    depth, start = 0, 0
    for index, character in enumerate(cell):
        if character in OPENING.values():
            depth += 1
        elif character in OPENING:
            depth = max(depth - 1, 0)
        elif character == "," and depth == 0:
            if cell[start:index].strip():
                yield cell[start:index].strip()
            start = index + 1
    if cell[start:].strip():
        yield cell[start:].strip()
