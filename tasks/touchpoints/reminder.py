"""Reminders: check-ins, invitations and acknowledgement requests still unanswered after N
days get a reminder that threads with the original (In-Reply-To), at most one per
configured delay."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from db.models import Acknowledgement, ConsultationEvent, Message, TouchpointKind
from db.outbox import reminders_of, unanswered
from tasks.outbox.planning import Planned

KIND = TouchpointKind.REMINDER
REMINDED_KINDS = (
    TouchpointKind.SUSTAINABILITY_CHECKIN,
    TouchpointKind.CONSULTATION_INVITATION,
    TouchpointKind.ACKNOWLEDGEMENT,
)


def next_reminder_number(
    original: Message, earlier: list[Message], delays: tuple[int, ...], as_of: datetime
) -> int | None:
    """Return which reminder (1, 2, …) is due for `original` at `as_of`, or None.

    Reminder n is due `delays[n-1]` days after the original went out, and never sooner
    after reminder n-1 than the gap between the two delays: after downtime the reminders
    still come one at a time.
    """
    number = len(earlier) + 1
    if number > len(delays) or original.sent_at is None:
        return None
    if original.sent_at + timedelta(days=delays[number - 1]) > as_of:
        return None
    if earlier:
        gap = timedelta(days=delays[number - 1] - delays[number - 2])
        if earlier[-1].created_at + gap > as_of:
            return None
    return number


def due(session: Session, as_of: datetime, delays: tuple[int, ...]) -> Iterator[Planned]:
    """Yield the reminders due at `as_of` for unanswered check-ins and invitations whose
    invitation is still open."""
    if not delays:
        return
    window_start = as_of - timedelta(days=delays[-1] + 60)
    originals = unanswered(session, REMINDED_KINDS, window_start, as_of - timedelta(days=delays[0]))
    earlier = reminders_of(session, [original.id for original in originals])
    for original in originals:
        number = next_reminder_number(original, earlier.get(original.id, []), delays, as_of)
        if number is None or not _still_open(session, original, as_of):
            continue
        yield Planned(
            contact=original.contact,
            kind=KIND,
            occurrence_key=f"{KIND}:message{original.id}:{number}",
            partnership=original.partnership,
            context={"original_id": original.id, "number": number},
            in_reply_to=original.message_id,
            reminder_of_id=original.id,
        )


def _still_open(session: Session, original: Message, as_of: datetime) -> bool:
    """True while the original still asks something: an invitation until its RSVP
    deadline, an acknowledgement request while the partner (any of its contacts) has not
    answered the revision it asked about."""
    if original.kind == TouchpointKind.ACKNOWLEDGEMENT:
        asked = session.get_one(Acknowledgement, original.context["acknowledgement_id"])
        return asked.awaits_partner and asked.revision == original.context["revision"]
    if original.kind != TouchpointKind.CONSULTATION_INVITATION:
        return True
    event = session.get_one(ConsultationEvent, original.context["event_id"])
    deadline = event.rsvp_deadline or event.starts_at
    return deadline > as_of


def context(session: Session, message: Message, cache: dict[Any, Any]) -> dict[str, Any]:
    original = session.get_one(Message, message.context["original_id"])
    return {
        "original": {
            "kind": str(original.kind),
            "subject": original.subject or "",
            "sent_at": original.sent_at,
        },
        "reminder": {"number": message.context["number"]},
    }
