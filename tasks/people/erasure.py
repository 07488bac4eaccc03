"""Erasing a person at their request (`continuity contact erase`, the portal's "forget
me"): nothing that identifies them stays in the database, while what they answered stays
counted, anonymised, so response rates and the relationship report do not move.

- Each contact row is kept, scrubbed (`Contact.erase`): no name, no address, inactive.
- Their answers and replies lose every word they wrote (`Response.anonymise`); the mail
  from or about them is cleared (`InboundMail.clear`); their messages' links stop working
  and what mail servers said of their address is redacted.
- Their name, address and words are redacted where others' records quote them: their
  history, corrective plans' trails and measures, acknowledgements they approved, register
  entries from their answers, campaign parameters; a staff member's name wherever it says
  who acted.
- A keyed hash of their address goes on the do-not-contact list.

The caller commits, then calls `db.engine.purge_old_pages` so that SQLite's files hold
none of it (PostgreSQL keeps old row versions until VACUUM: see the README)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from db.erasure import list_erasure
from db.models import Contact, Message, Response
from db.people import (
    acknowledgements_of,
    campaigns,
    corrective_events_of,
    entries_from,
    history_of,
    measures_owned_by,
    messages_to,
    rename_actor,
    responses_of,
)
from tasks.people.changes import ChangeError, clean_actor, clean_reason, record
from tasks.people.do_not_contact import listing_hmac
from tasks.people.person import Person, mail_from
from tasks.people.redaction import ERASED, Redactor, needles

# Who erased, when the person asked through the portal.
BY_PORTAL = "the person, by the portal"


@dataclass(frozen=True)
class Erasure:
    """What an erasure did: contact rows, answers anonymised, mails cleared."""

    contacts: list[int]
    answers: int
    mails: int


def erase(
    session: Session, person: Person, reason: str, actor: str, now: datetime, secret: str
) -> Erasure:
    """Erase the person (every contact row not erased yet) at `now`; return what was done.
    Raise `ChangeError` without a reason or when they already were erased."""
    reason, actor = clean_reason(reason), clean_actor(actor)
    contacts = [contact for contact in person.contacts if contact.erased_at is None]
    if not contacts:
        raise ChangeError("this contact was already erased")
    ids = [contact.id for contact in contacts]
    messages, responses = messages_to(session, ids), responses_of(session, ids)
    redactor = Redactor.of(needles(contacts, responses))
    mails = mail_from(session, person, [m.id for m in messages], [r.id for r in responses])
    for mail in mails:
        mail.clear(now)
    forget_messages(messages, redactor)
    forget_answers(session, responses, redactor)
    forget_elsewhere(session, contacts, redactor)
    for contact in contacts:
        rename_actor(session, contact.name, ERASED, contact.is_staff)
        digest = listing_hmac(secret, contact.email, contact.partner.vendor_number, contact.name)
        list_erasure(session, digest, now)
        record(session, contact, "erased", actor, now, reason=redactor.text(reason))
        contact.suppression_reason = redactor.text(contact.suppression_reason)
        contact.erase(now)
    return Erasure(ids, len(responses), len(mails))


def forget_messages(messages: list[Message], redactor: Redactor) -> None:
    """Their links stop working; what servers said (which quotes addresses) is redacted."""
    for message in messages:
        message.token_hash = None
        message.status_reason = redactor.text(message.status_reason)
        message.last_error = redactor.text(message.last_error)
        message.server_reply = redactor.text(message.server_reply)


def forget_answers(session: Session, responses: list[Response], redactor: Redactor) -> None:
    """Their words go; the supporters they named stay in the register (the partnership's,
    and others' names), unless they named themselves."""
    for response in responses:
        response.answers = redactor.value(response.answers)
        response.anonymise(ERASED)
    for entry in entries_from(session, [response.id for response in responses]):
        entry.name = redactor.text(entry.name) or ""
        entry.role = redactor.text(entry.role) or ""


def forget_elsewhere(session: Session, contacts: list[Contact], redactor: Redactor) -> None:
    """Redact the person out of their history and the records of others that quote them."""
    ids = [contact.id for contact in contacts]
    for event in history_of(session, ids):
        event.details = redactor.value(event.details)
    measures = measures_owned_by(session, ids)
    for measure in measures:
        measure.status_comment = redactor.text(measure.status_comment) or ""
    for trail_event in corrective_events_of(session, {m.plan_id for m in measures}):
        trail_event.details = redactor.value(trail_event.details)
    for acknowledgement in acknowledgements_of(session, {c.partner_id for c in contacts}):
        acknowledgement.partner_approved_by = (
            redactor.text(acknowledgement.partner_approved_by) or ""
        )
        acknowledgement.proposed_changes = redactor.text(acknowledgement.proposed_changes) or ""
    for campaign in campaigns(session):
        redacted = redactor.value(campaign.parameters)
        if redacted != campaign.parameters:
            campaign.parameters = redacted
