"""Erasing a person at their request (`continuity contact erase`, the portal's "forget
me"): nothing that identifies them stays in the database, while what they answered stays
counted, anonymised, so response rates and the relationship report do not move.

- Each contact row is kept, scrubbed (`Contact.erase`): no name, no address, inactive.
- Their answers and replies lose every word they wrote (`Response.anonymise`); the mail
  from or about them is cleared (`InboundMail.clear`); their messages' links stop working
  and what mail servers said of their address is redacted.
- Who they are (full name, every spelling of their address: whole words only) is
  redacted wherever others' records quote them: anyone's answers and replies, inbound mail
  (a bounce quoting their address), message subjects, corrective plans' trails, the
  register of spheres of influence, acknowledgements of their partners, campaigns' test
  recipients; a staff member's name wherever it says who acted. What they wrote goes only
  from free text about them (their history's reasons, their measures' comments), never
  from choice values nor from others' words; campaign content is never touched.
- Their messages not yet handed to the mail server are skipped ("erased"), so a delivery
  batch that loaded them before cannot mail them (db.outbox refuses the hand-over).
- A keyed hash of their address goes on the do-not-contact list.

The caller commits, then calls `db.engine.purge_old_pages` so that SQLite's files hold
none of it (PostgreSQL keeps old row versions until VACUUM: see the README)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from db.erasure import list_erasure
from db.models import Contact, InboundMail, Message, MessageStatus, Response
from db.people import (
    acknowledgements_of,
    campaigns,
    every_corrective_event,
    history_of,
    measures_owned_by,
    messages_to,
    register_entries,
    rename_actor,
    responses_of,
    rewrite,
)
from tasks.people.changes import ChangeError, clean_actor, clean_reason, record
from tasks.people.do_not_contact import listing_hmac
from tasks.people.person import Person, mail_from
from tasks.people.redaction import ERASED, Redactor, Scrubber, addresses, scrubber
from tasks.staff.influence import supporter_key

# Who erased, when the person asked through the portal.
BY_PORTAL = "the person, by the portal"
# Messages not handed to the mail server yet: an erasure stops them.
UNSENT = (MessageStatus.PLANNED, MessageStatus.HELD)


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
    messages, responses = messages_to(session, ids, locked=True), responses_of(session, ids)
    scrub = scrubber(contacts, responses)
    mails = mail_from(session, person, [m.id for m in messages], [r.id for r in responses])
    for mail in mails:
        mail.clear(now)
    forget_messages(messages, scrub.who)
    for response in responses:
        response.answers = scrub.who.value(response.answers)
        response.anonymise(ERASED)
    forget_own(session, contacts, scrub)
    for contact in contacts:
        rename_actor(session, contact.name, ERASED, contact.is_staff)
        digest = listing_hmac(secret, contact.email, contact.partner.vendor_number, contact.name)
        if digest is not None:  # no address, no name: nothing could list them
            list_erasure(session, digest, now)
        record(session, contact, "erased", actor, now, reason=scrub.theirs.text(reason))
        contact.suppression_reason = scrub.theirs.text(contact.suppression_reason)
    forget_quotes(session, contacts, scrub)
    for contact in contacts:
        contact.erase(now)
    return Erasure(ids, len(responses), len(mails))


def forget_messages(messages: list[Message], who: Redactor) -> None:
    """Their links stop working; what servers said (which quotes addresses) and subjects
    (an ad-hoc one may name them) are redacted; what was not handed over yet is skipped,
    and what is being handed over right now is unconfirmed (its outcome is not written
    back: a server's reply would quote the address)."""
    for message in messages:
        message.token_hash = None
        if message.status in UNSENT or (
            message.status == MessageStatus.SENDING and message.handoff_at is None
        ):
            message.status, message.status_reason = MessageStatus.SKIPPED, "erased"
        elif message.status == MessageStatus.SENDING:
            message.status, message.status_reason = MessageStatus.UNCONFIRMED, "erased"
        message.subject = who.text(message.subject)
        message.status_reason = who.text(message.status_reason)
        message.last_error = who.text(message.last_error)
        message.server_reply = who.text(message.server_reply)


def forget_own(session: Session, contacts: list[Contact], scrub: Scrubber) -> None:
    """Redact the person out of their own history (the roles staff gave them too: a role
    and place may name someone as well as a name), and out of the comments they reported
    on the measures they own (their words too)."""
    ids = [contact.id for contact in contacts]
    for event in history_of(session, ids):
        event.details = scrub.details(event.details)
        if "role" in event.details:
            event.details = {**event.details, "role": [ERASED, ERASED]}
    for measure in measures_owned_by(session, ids):
        measure.status_comment = scrub.theirs.text(measure.status_comment) or ""


def forget_quotes(session: Session, contacts: list[Contact], scrub: Scrubber) -> None:
    """Redact who the person is out of everyone's records that may quote them: answers,
    inbound mail, subjects, plans' trails (their words too in the comments of measures
    they own), the register, their partners' acknowledgements, campaigns' test
    recipients (never a campaign's content: "Mark" is in "remarkable" and "Bookmark")."""
    who, ids = scrub.who, {contact.id for contact in contacts}
    for column in (Response.text, Response.answers, Response.words, Response.handled_note):
        rewrite(session, column, who.value)
    for column in (InboundMail.from_address, InboundMail.subject, InboundMail.text):
        rewrite(session, column, who.value)
    rewrite(session, InboundMail.details, who.value)
    rewrite(session, Message.subject, who.value)
    owned = {measure.id for measure in measures_owned_by(session, ids)}
    for line in every_corrective_event(session):
        line.details = (
            scrub.details(line.details) if line.measure_id in owned else who.value(line.details)
        )
    for entry in register_entries(session):
        name, entry.role = who.text(entry.name) or "", who.text(entry.role) or ""
        if name != entry.name:
            # A new entry by this name must not merge into what was them.
            entry.name, entry.key = name, "" if ERASED in name else supporter_key(name)
    for ack in acknowledgements_of(session, {contact.partner_id for contact in contacts}):
        ack.partner_approved_by = who.text(ack.partner_approved_by) or ""
        ack.proposed_changes = who.text(ack.proposed_changes) or ""
    scrub_test_recipients(session, Redactor.of(addresses(contacts)))


def scrub_test_recipients(session: Session, address: Redactor) -> None:
    """Redact the person's address from campaigns' lists of staff test recipients."""
    for campaign in campaigns(session):
        listed = (campaign.parameters or {}).get("test_recipients")
        if listed and (redacted := address.value(listed)) != listed:
            campaign.parameters = {**campaign.parameters, "test_recipients": redacted}
