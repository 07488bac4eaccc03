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
from tasks.people.redaction import ERASED, Redactor, identities, needles

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
    # Who they are goes wherever it is quoted; what they wrote, from records about them.
    who, theirs = Redactor.of(identities(contacts)), Redactor.of(needles(contacts, responses))
    mails = mail_from(session, person, [m.id for m in messages], [r.id for r in responses])
    for mail in mails:
        mail.clear(now)
    forget_messages(messages, theirs)
    forget_answers(session, responses, theirs, who)
    forget_elsewhere(session, contacts, theirs, who)
    for contact in contacts:
        rename_actor(session, contact.name, ERASED, contact.is_staff)
        digest = listing_hmac(secret, contact.email, contact.partner.vendor_number, contact.name)
        list_erasure(session, digest, now)
        record(session, contact, "erased", actor, now, reason=theirs.text(reason))
        contact.suppression_reason = theirs.text(contact.suppression_reason)
        contact.erase(now)
    return Erasure(ids, len(responses), len(mails))


def forget_messages(messages: list[Message], theirs: Redactor) -> None:
    """Their links stop working; what servers said (which quotes addresses) is redacted."""
    for message in messages:
        message.token_hash = None
        message.status_reason = theirs.text(message.status_reason)
        message.last_error = theirs.text(message.last_error)
        message.server_reply = theirs.text(message.server_reply)


def forget_answers(
    session: Session, responses: list[Response], theirs: Redactor, who: Redactor
) -> None:
    """Their words go; the supporters they named stay in the register (the partnership's,
    and others' names), unless they named themselves."""
    for response in responses:
        response.answers = theirs.value(response.answers)
        response.anonymise(ERASED)
    for entry in entries_from(session, [response.id for response in responses]):
        entry.name, entry.role = who.text(entry.name) or "", who.text(entry.role) or ""


def forget_elsewhere(
    session: Session, contacts: list[Contact], theirs: Redactor, who: Redactor
) -> None:
    """Redact the person out of their history and the records of others that quote them:
    the trails of the measures they own (their reports), acknowledgements of their
    partners (they approve them, propose changes), campaigns (a staff test recipient)."""
    ids = [contact.id for contact in contacts]
    for event in history_of(session, ids):
        event.details = theirs.value(event.details)
    measures = measures_owned_by(session, ids)
    owned = {measure.id for measure in measures}
    for measure in measures:
        measure.status_comment = theirs.text(measure.status_comment) or ""
    for line in corrective_events_of(session, {measure.plan_id for measure in measures}):
        line.details = (theirs if line.measure_id in owned else who).value(line.details)
    for ack in acknowledgements_of(session, {contact.partner_id for contact in contacts}):
        ack.partner_approved_by = who.text(ack.partner_approved_by) or ""
        ack.proposed_changes = theirs.text(ack.proposed_changes) or ""
    for campaign in campaigns(session):
        redacted = who.value(campaign.parameters)
        if redacted != campaign.parameters:
            campaign.parameters = redacted
