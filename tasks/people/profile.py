"""What the contact desk shows of a person (`continuity contact show`): each of their
contact rows with its partner, role, language, time zone, status, why and since when, its
history and how much was sent and answered. An erased row, or an erased address, shows
that it was erased, and when, nothing more."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db.models import Contact, ContactEvent
from db.people import answer_count, history_of, message_counts, responses_of
from tasks.people.person import Person


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def profile(session: Session, person: Person) -> dict[str, Any]:
    """Return what the desk shows of the person, JSON-ready."""
    return {"contacts": [contact_profile(session, contact) for contact in person.contacts]}


def who(contact: Contact) -> dict[str, Any]:
    """Return who the contact row is: number, name, address, partner, role, language."""
    return {
        "number": contact.id,
        "name": contact.name,
        "address": contact.email,
        "partner": contact.partner.name,
        "vendor_number": contact.partner.vendor_number,
        "role": contact.role,
        "role_set_by_staff": contact.role_by_staff,
        "language": contact.language,
    }


def erased_profile(erased_at: datetime | None) -> dict[str, Any]:
    """Return what the desk shows of an address erased at `erased_at`."""
    return {"status": "erased", "erased_at": iso(erased_at)}


def contact_profile(session: Session, contact: Contact) -> dict[str, Any]:
    if contact.erased_at is not None:
        return {"number": contact.id, **erased_profile(contact.erased_at)}
    history = history_of(session, [contact.id])
    why, since = state_of(session, contact, history)
    by_status = message_counts(session, contact.id)
    return {
        **who(contact),
        "time_zone": contact.local_time_zone,
        "time_zone_set_for_them": contact.time_zone is not None,
        "status": contact.status,
        "active": contact.active,
        "why": why,
        "since": iso(since),
        "messages": sum(by_status.values()),
        "messages_by_status": by_status,
        "answers": answer_count(session, contact.id),
        "history": [event_row(event) for event in history],
    }


def event_row(event: ContactEvent) -> dict[str, Any]:
    return {"at": iso(event.at), "by": event.actor, "what": event.action, "details": event.details}


def state_of(
    session: Session, contact: Contact, history: list[ContactEvent]
) -> tuple[str | None, datetime | None]:
    """Return why the contact is not mailed and since when; for one who is, (None, None),
    or why not when they are inactive (eTools no longer lists them)."""
    if contact.opted_out_at is not None:
        return opt_out_reason(session, contact, history), contact.opted_out_at
    if contact.suppressed_at is not None:
        return contact.suppression_reason or "bounces", contact.suppressed_at
    return contact.unreachable_reason(), None


def opt_out_reason(session: Session, contact: Contact, history: list[ContactEvent]) -> str:
    """Return how the person opted out: a complaint, or their request and its channel."""
    for event in reversed(history):
        if event.action == "opted_out":
            return str(event.details.get("reason") or "opted out")
    requests = [r for r in responses_of(session, [contact.id]) if r.kind == "opt_out"]
    if requests:
        return f"asked to receive nothing more ({requests[-1].channel})"
    return "asked to receive nothing more"
