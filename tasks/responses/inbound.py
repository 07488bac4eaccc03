"""Turning one inbound mail into records, once: a reply becomes a response, a bounce marks
its message and counts against the address, a complaint or an unsubscribe request opts
out, a mail that cannot be read is quarantined, anything else is kept for staff.

Nothing here changes a contact unless the mail proves it is about a message we sent to
that contact: our signed bounce, reply or unsubscribe address, or a Message-ID of ours.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db.inbound import inbound_by_key, message_by_rfc_ids, message_with_contact
from db.models import Contact, ContactEvent, InboundMail, Message, Response, ResponseChannel
from tasks.mail.addresses import same_address
from tasks.mail.bounces.reports import SENDER_REASONS, Failure
from tasks.mail.classification import Reading, read_mail
from tasks.mail.inbox import InboxItem
from tasks.responses.answers import opt_out

ACTOR = "collect-responses"


def dedup_key(reading: Reading, item: InboxItem) -> str:
    """Return the key that makes a mail count once: its Message-ID, else a digest of its
    bytes, the same whichever mailbox, file name or UIDVALIDITY it is read under (so for
    a quarantined mail too, whose Message-ID could not be read)."""
    if reading.message_id_header:
        return f"message-id:{reading.message_id_header[:400]}"
    return f"sha256:{hashlib.sha256(item.raw).hexdigest()}"


def _earlier(session: Session, reading: Reading, item: InboxItem) -> InboundMail | None:
    """Return the mail's record if it has one: by its key, or, for a mail recorded before
    keys were digests, by the mailbox key it was recorded under then."""
    earlier = inbound_by_key(session, dedup_key(reading, item))
    if earlier is None and not reading.message_id_header:
        earlier = inbound_by_key(session, f"mailbox:{item.key}"[:512])
    return earlier


def record_inbound(session: Session, secret: str, item: InboxItem, now: datetime) -> InboundMail:
    """Record the mail (or return its earlier record) and apply what it proves."""
    return _recorded(session, item, read_mail(item.raw, secret), now)


def quarantine(session: Session, item: InboxItem, now: datetime, error: Exception) -> InboundMail:
    """Record the mail as quarantined, byte for byte, with the error its recording raised
    (or return its earlier record)."""
    reading = Reading(kind="quarantined", error=f"{type(error).__name__}: {error}"[:1000])
    return _recorded(session, item, reading, now)


def _recorded(session: Session, item: InboxItem, reading: Reading, now: datetime) -> InboundMail:
    earlier = _earlier(session, reading, item)
    if earlier is not None:
        return earlier
    inbound = InboundMail(
        dedup_key=dedup_key(reading, item),
        mailbox_key=item.key[:512],
        message_id_header=reading.message_id_header or None,
        from_address=reading.from_address,
        subject=reading.subject,
        received_at=now,
        classification=reading.kind,
        text=reading.body,
        details={},
    )
    session.add(inbound)
    _APPLY[reading.kind](session, reading, inbound, now)
    if reading.kind == "quarantined":
        inbound.raw, inbound.details = item.raw, {"error": reading.error}
    session.flush()
    if inbound.message_id is not None and _to_erased(session, inbound.message_id):
        # Mail about a message to a person since erased keeps only that it arrived.
        inbound.clear(now)
    return inbound


def _to_erased(session: Session, message_id: int) -> bool:
    message = session.get(Message, message_id)
    return message is not None and message.contact.erased_at is not None


def _original(session: Session, reading: Reading) -> Message | None:
    """The message the mail is about: the one it proves, else one whose Message-ID it
    quotes (sent under an earlier secret key, say)."""
    if reading.message is not None:
        return message_with_contact(session, reading.message)
    return message_by_rfc_ids(session, reading.referenced_ids) if reading.referenced_ids else None


def _reply(session: Session, reading: Reading, inbound: InboundMail, now: datetime) -> None:
    original = _original(session, reading)
    if original is None:
        inbound.classification = "unmatched"
        return
    inbound.classification, inbound.message_id = "reply", original.id
    if original.contact.erased_at is not None:
        return  # their words are not kept: the mail is cleared
    received_at = reply_time(reading.written_at, original, now)
    response = record_reply(session, original, reading.text, reading.subject, received_at)
    inbound.response_id = response.id


def reply_time(written_at: datetime | None, message: Message, now: datetime) -> datetime:
    """Return when a reply to `message` was written: its `Date:` (the collector may read
    it weeks late, once people opened it first), held between when the message went out
    and `now` (a sender's clock runs fast or slow); `now` when it has no readable date,
    or the message no time it went out."""
    went_out = message.sent_at or message.handoff_at
    if written_at is None or went_out is None:
        return now
    return min(now, max(went_out, written_at))


def record_reply(
    session: Session, message: Message, text: str, subject: str, received_at: datetime
) -> Response:
    """Record a reply by e-mail, received at `received_at`, as an answer to the message
    (or the one it reminds of)."""
    answered = message.reminder_of or message
    response = Response(
        message_id=answered.id,
        contact_id=message.contact_id,
        partnership_id=answered.partnership_id,
        channel=ResponseChannel.EMAIL,
        kind=str(answered.kind),
        received_at=received_at,
        text=text,
        answers={"subject": subject[:300]},
    )
    session.add(response)
    session.flush()
    message.contact.heard_from()
    return response


def _auto_reply(session: Session, reading: Reading, inbound: InboundMail, now: datetime) -> None:
    original = _original(session, reading)
    inbound.message_id = original.id if original else None


def _unsubscribe(session: Session, reading: Reading, inbound: InboundMail, now: datetime) -> None:
    message = _original(session, reading)
    if message is None:
        inbound.classification = "unmatched"
        return
    inbound.message_id = message.id
    opt_out(session, message.contact, now, ResponseChannel.EMAIL, message)


def _bounce(session: Session, reading: Reading, inbound: InboundMail, now: datetime) -> None:
    proven = _proven(session, reading, inbound)
    if proven is None:
        return
    message, failure = proven
    reason = failure.reason if failure else "undefined"
    hard, status = bool(failure and failure.hard), failure.status if failure else ""
    message.mark_bounced(f"{'hard' if hard else 'soft'} bounce: {reason} {status}".strip())
    if reason in SENDER_REASONS:
        # About our sender or our content, not the partner's address: an alert, not a count.
        inbound.details["sender_side"] = reason
        return
    why = f"{reason} {status}".strip()
    suppressed = message.contact.record_bounce(hard, why, now)
    if suppressed:
        _history(session, message.contact, "suppressed", now, reason=suppressed, mail=inbound)


def _complaint(session: Session, reading: Reading, inbound: InboundMail, now: datetime) -> None:
    proven = _proven(session, reading, inbound)
    if proven is None:
        return
    if reading.report is not None:
        inbound.details["feedback_type"] = reading.report.feedback_type
    contact = proven[0].contact
    if contact.opt_out(now):
        _history(session, contact, "opted_out", now, reason="complaint", mail=inbound)


def _proven(
    session: Session, reading: Reading, inbound: InboundMail
) -> tuple[Message, Failure | None] | None:
    """Return the message a bounce or complaint proves it is about, with the failure that
    names its recipient; None, with why in the mail's details, when it proves nothing."""
    message = _original(session, reading)
    failure, why_not = _failure_of(message, reading)
    inbound.message_id = message.id if message else None
    inbound.details = {"failures": _failures(reading), "applied": why_not is None}
    if why_not is not None or message is None:
        inbound.details["why_not"] = why_not
        return None
    return message, failure


def _delivery_report(
    session: Session, reading: Reading, inbound: InboundMail, now: datetime
) -> None:
    original = _original(session, reading)
    inbound.message_id = original.id if original else None


def _nothing(session: Session, reading: Reading, inbound: InboundMail, now: datetime) -> None:
    """Unmatched and quarantined mail waits for staff as it is."""


def _failure_of(message: Message | None, reading: Reading) -> tuple[Failure | None, str | None]:
    """Return the failure that names the message's recipient and None, or None and why the
    report may not change anyone. A report that names no address at all is about the
    message it proves (its only recipient)."""
    if message is None:
        return None, "not tied to a message of ours"
    failures = reading.report.failures if reading.report else ()
    recipient = message.contact.email or ""
    for failure in failures:
        if same_address(failure.address, recipient):
            return failure, None
    if failures:
        return None, "names addresses other than the message's recipient"
    return None, None


def _failures(reading: Reading) -> list[dict[str, Any]]:
    failures = reading.report.failures if reading.report else ()
    return [
        {
            "address": f.address,
            "reason": f.reason,
            "hard": f.hard,
            "status": f.status,
            "diagnostic": f.diagnostic,
        }
        for f in failures[:20]
    ]


def _history(
    session: Session, contact: Contact, action: str, now: datetime, **details: Any
) -> None:
    mail = details.pop("mail", None)
    if mail is not None:
        session.flush()
        details["inbound_mail_id"] = mail.id
    session.add(
        ContactEvent(contact_id=contact.id, at=now, actor=ACTOR, action=action, details=details)
    )


_APPLY: dict[str, Callable[[Session, Reading, InboundMail, datetime], None]] = {
    "reply": _reply,
    "unmatched": _reply,
    "auto_reply": _auto_reply,
    "unsubscribe": _unsubscribe,
    "bounce": _bounce,
    "complaint": _complaint,
    "delivery_report": _delivery_report,
    "quarantined": _nothing,
}
