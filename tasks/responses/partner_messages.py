"""Partner messages: what partners wrote, in any answer (an e-mail reply, a portal answer's
news, support needed or comment, an RSVP note, a proposed change to an acknowledgement, a
staff note of a call), as staff read and handle them. The words are partners' data: they
go to the terminal, the database and mail to UNICEF staff, never to Prefect's store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db.models import Partner, Response
from db.partner_messages import partner_message
from tasks.calendars import Calendars
from tasks.responses.forms import CONTROL
from tasks.working_days import working_days_between

MAX_NAME = 256
MAX_NOTE = 4000


class HandlingError(Exception):
    """The message or the handling cannot be recorded as given."""


def partner_of(response: Response) -> Partner | None:
    """Return the partner who wrote: the partnership's, else the writer's organisation."""
    if response.partnership is not None:
        return response.partnership.partner
    return response.contact.partner if response.contact is not None else None


def message_row(response: Response, now: datetime, calendars: Calendars) -> dict[str, Any]:
    """Return a partner message as the list shows it (and `--json` prints it): who wrote
    what, when, about which partnership, whether someone dealt with it, and if not, for
    how many working days of the partner's country it has waited."""
    partnership = response.partnership
    partner = partner_of(response)
    calendar = calendars.of(partner.country if partner else None)
    contact = response.contact
    return {
        "id": response.id,
        "partnership": partnership.reference_number if partnership else None,
        "partner": partner.name if partner else None,
        "vendor_number": partner.vendor_number if partner else None,
        "contact_id": response.contact_id,
        "contact": contact.name if contact else None,
        "received_at": response.received_at.isoformat(),
        "channel": str(response.channel),
        "kind": response.kind,
        "text": response.words,
        "handled": response.handled_at is not None,
        "handled_at": response.handled_at.isoformat() if response.handled_at else None,
        "handled_by": response.handled_by or None,
        "handled_note": response.handled_note or None,
        "waiting_working_days": None
        if response.handled_at
        else working_days_between(response.received_at.date(), now.date(), calendar),
    }


def artifact_row(response: Response) -> dict[str, Any]:
    """Return a partner message as Prefect may keep it: partner, partnership, kind, date,
    contact number and whether it is handled; never the words or the writer's name."""
    partnership, partner = response.partnership, partner_of(response)
    return {
        "id": response.id,
        "partner": partner.name if partner else "",
        "partnership": partnership.reference_number if partnership else "",
        "kind": response.kind,
        "received": f"{response.received_at:%Y-%m-%d}",
        "contact": response.contact_id or "",
        "handled": "yes" if response.handled_at else "no",
    }


def checked_handling(by: str, note: str) -> tuple[str, str]:
    """Return the name and note of a handling, stripped; raise `HandlingError` for an
    empty or hostile name, or a note too long or with control characters."""
    by, note = by.strip(), note.strip()
    if not by or len(by) > MAX_NAME or CONTROL.search(by) or "\n" in by:
        raise HandlingError("--by: give your name (one line, at most 256 characters)")
    if len(note) > MAX_NOTE or CONTROL.search(note):
        raise HandlingError(f"--note: at most {MAX_NOTE} characters, no control characters")
    return by, note


def handle_message(session: Session, ident: int, by: str, note: str, now: datetime) -> Response:
    """Record that `by` dealt with partner message `ident` (how: `note`) and return it.
    Raise `HandlingError` for an id that is no partner message, an empty or hostile name,
    or a note too long or with control characters. Handling it again corrects who and how
    and keeps the first time."""
    by, note = checked_handling(by, note)
    response = partner_message(session, ident)
    if response is None:
        raise HandlingError(f"no partner message {ident} (see `continuity response list`)")
    response.handle(by, note, now)
    return response
