"""What staff change on a person at the contact desk: suppress, reinstate (lift a
suppression), set their language, time zone or role. Each change says why, and each
contact row changed gets a line in its history (who, when, why, before and after). Staff
changes are the contact's own: an eTools import never overwrites them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy.orm import Session

from db.models import ROLE_LENGTH, Contact, ContactEvent
from db.outbox import set_unsent_language
from tasks.countries import SUPPORTED_LANGUAGES
from tasks.people.person import Person, PersonError
from tasks.responses.forms import CONTROL

MAX_REASON = 500
MAX_ACTOR = 256
# `set --time-zone partner`: the contact goes by their partner's time zone again.
PARTNER_ZONE = "partner"
# `set --role etools`: the contact's role is eTools' again.
ETOOLS_ROLE = "etools"


class ChangeError(PersonError):
    """The change gives no reason, is malformed, or changes nothing."""


def clean_reason(reason: str) -> str:
    """Return the reason on one line; raise `ChangeError` when it is blank, too long or
    holds control characters."""
    if CONTROL.search(reason):
        raise ChangeError("the reason holds control characters")
    reason = " ".join(reason.split())
    if not reason:
        raise ChangeError("say why (--reason): it is kept in the contact's history")
    if len(reason) > MAX_REASON:
        raise ChangeError(f"the reason is longer than {MAX_REASON} characters")
    return reason


def clean_actor(actor: str) -> str:
    """Return who acts, "staff" when unnamed; raise `ChangeError` when it is malformed."""
    if CONTROL.search(actor) or len(actor) > MAX_ACTOR:
        raise ChangeError(f"--by: a name of at most {MAX_ACTOR} plain characters")
    return " ".join(actor.split()) or "staff"


def record(
    session: Session, contact: Contact, action: str, actor: str, now: datetime, **details: Any
) -> None:
    """Write one line of the contact's history."""
    session.add(
        ContactEvent(contact_id=contact.id, at=now, actor=actor, action=action, details=details)
    )


def _living(person: Person) -> list[Contact]:
    contacts = [contact for contact in person.contacts if contact.erased_at is None]
    if not contacts:
        raise ChangeError("this contact was erased: nothing about them can change")
    return contacts


def suppress(
    session: Session, person: Person, reason: str, actor: str, now: datetime
) -> list[Contact]:
    """Stop all mail to the person (a phone call asking it, an address known dead), on
    each of their contact rows not already suppressed; return those. Raise `ChangeError`
    without a reason or when every row already is."""
    reason, actor = clean_reason(reason), clean_actor(actor)
    changed = [c for c in _living(person) if c.suppress(now, f"staff: {reason}")]
    if not changed:
        raise ChangeError("this contact is already suppressed")
    for contact in changed:
        record(session, contact, "suppressed", actor, now, reason=reason)
    return changed


def reinstate(
    session: Session, person: Person, reason: str, actor: str, now: datetime
) -> list[Contact]:
    """Lift the suppression of each of the person's suppressed rows (a mailbox that was
    full, a server fixed); return them, their bounce counts started afresh. An opt-out is
    the person's own choice and stays. Raise `ChangeError` without a reason or when no
    row is suppressed."""
    reason, actor = clean_reason(reason), clean_actor(actor)
    suppressed = [contact for contact in _living(person) if contact.suppressed_at]
    if not suppressed:
        raise ChangeError("no suppressed contact has this address")
    for contact in suppressed:
        record(
            session,
            contact,
            "reinstated",
            actor,
            now,
            reason=reason,
            was=contact.suppression_reason,
        )
        contact.lift_suppression()
    return suppressed


def set_details(
    session: Session,
    person: Person,
    changes: dict[str, str | None],
    reason: str,
    actor: str,
    now: datetime,
) -> list[Contact]:
    """Set the person's `language`, `time_zone` (`PARTNER_ZONE`: their partner's again)
    and/or `role` (`ETOOLS_ROLE`: eTools' again) on each of their rows; return the rows
    changed. A new language goes into their messages not sent yet too. Raise
    `ChangeError` without a reason, for an unsupported language, an unknown time zone or a
    malformed role, or when nothing changes."""
    reason, actor = clean_reason(reason), clean_actor(actor)
    wanted = checked_details(changes)
    changed = []
    for contact in _living(person):
        before = {name: getattr(contact, name) for name in wanted}
        differ = {
            name: [before[name], value] for name, value in wanted.items() if before[name] != value
        }
        if differ:
            for name, (_, value) in differ.items():
                setattr(contact, name, value)
            record(session, contact, "changed", actor, now, reason=reason, **differ)
            changed.append(contact)
    if not changed:
        raise ChangeError("nothing to change: the contact already has these settings")
    if "language" in wanted:
        # What is planned for them and not sent yet goes out in it too, as a portal choice.
        set_unsent_language(session, [contact.id for contact in changed], wanted["language"])
    return changed


def checked_details(changes: dict[str, str | None]) -> dict[str, Any]:
    """Return the attributes to set: language, time zone (None: the partner's), role
    (with `role_by_staff`); raise `ChangeError` for anything else."""
    wanted: dict[str, Any] = {}
    language, zone, role = (changes.get(name) for name in ("language", "time_zone", "role"))
    if language is not None:
        if language not in SUPPORTED_LANGUAGES:
            raise ChangeError(f"--language: use one of {', '.join(SUPPORTED_LANGUAGES)}")
        wanted["language"] = language
    if zone is not None:
        if zone != PARTNER_ZONE and zone not in available_timezones():
            raise ChangeError(
                f"--time-zone: an IANA time zone such as Africa/Dakar, or {PARTNER_ZONE!r}"
            )
        wanted["time_zone"] = None if zone == PARTNER_ZONE else zone
    if role is not None:
        wanted.update(checked_role(role))
    if not wanted:
        raise ChangeError("say what to set: --language, --time-zone and/or --role")
    return wanted


def checked_role(role: str) -> dict[str, Any]:
    """Return the role to set, on one line, as staff's; for `ETOOLS_ROLE`, only that it is
    eTools' again (the next import gives it). Raise `ChangeError` when it is blank, too
    long or holds control characters."""
    if role == ETOOLS_ROLE:
        return {"role_by_staff": False}
    written = " ".join(role.split())
    if CONTROL.search(role) or not written or len(written) > ROLE_LENGTH:
        raise ChangeError(
            f"--role: at most {ROLE_LENGTH} plain characters, or {ETOOLS_ROLE!r}: eTools' role"
        )
    return {"role": written, "role_by_staff": True}
