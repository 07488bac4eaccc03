"""Everything held about a person, as one JSON-ready document (`continuity contact
export`, the portal's download): their contact rows and history, the messages sent to
them, their answers and replies (those staff recorded from a call too), and the inbound
mail from or about them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db.models import Contact, InboundMail, Message, Response
from db.people import history_of, messages_to, responses_of
from tasks.people.person import Person, mail_from
from tasks.people.profile import event_row, iso, who


def export(session: Session, person: Person, now: datetime) -> dict[str, Any]:
    """Return what the database holds about the person at `now`."""
    messages = messages_to(session, person.ids)
    responses = responses_of(session, person.ids)
    mails = mail_from(session, person, [m.id for m in messages], [r.id for r in responses])
    history = history_of(session, person.ids)
    return {
        "exported_at": iso(now),
        "contacts": [
            contact_record(contact, [e for e in history if e.contact_id == contact.id])
            for contact in person.contacts
        ],
        "messages": [message_record(message) for message in messages],
        "answers": [answer_record(response) for response in responses],
        "inbound_mail": [mail_record(mail) for mail in mails],
    }


def contact_record(contact: Contact, history: list[Any]) -> dict[str, Any]:
    return {
        **who(contact),
        "time_zone": contact.time_zone,
        "status": contact.status,
        "active": contact.active,
        "opted_out_at": iso(contact.opted_out_at),
        "suppressed_at": iso(contact.suppressed_at),
        "suppression_reason": contact.suppression_reason,
        "bounces": {"soft": contact.soft_bounces, "hard": contact.hard_bounces},
        "erased_at": iso(contact.erased_at),
        "recorded_at": iso(contact.created_at),
        "history": [event_row(event) for event in history],
    }


def message_record(message: Message) -> dict[str, Any]:
    return {
        "number": message.id,
        "contact": message.contact_id,
        "kind": str(message.kind),
        "partnership": message.partnership.reference_number if message.partnership else None,
        "language": message.language,
        "subject": message.subject,
        "status": str(message.status),
        "status_reason": message.status_reason,
        "planned_for": iso(message.due_at),
        "sent_at": iso(message.sent_at or message.handoff_at),
        "reminder_of": message.reminder_of_id,
    }


def answer_record(response: Response) -> dict[str, Any]:
    return {
        "number": response.id,
        "contact": response.contact_id,
        "message": response.message_id,
        "partnership": response.partnership.reference_number if response.partnership else None,
        "channel": str(response.channel),
        "kind": response.kind,
        "received_at": iso(response.received_at),
        "answers": response.answers,
        "text": response.text,
        "revision": response.revision,
        "superseded_at": iso(response.superseded_at),
        "recorded_by": response.recorded_by,
        "handled_at": iso(response.handled_at),
        "handled_by": response.handled_by,
        "handled_note": response.handled_note,
    }


def mail_record(mail: InboundMail) -> dict[str, Any]:
    return {
        "number": mail.id,
        "received_at": iso(mail.received_at),
        "classification": mail.classification,
        "from": mail.from_address,
        "subject": mail.subject,
        "text": mail.text,
        "message": mail.message_id,
        "answer": mail.response_id,
        "cleared_at": iso(mail.cleared_at),
    }
