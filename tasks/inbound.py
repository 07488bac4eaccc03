"""Turning one inbound mail into records: a reply becomes a response, an auto-reply is
noted, a bounce marks its message and counts against the address, an unsubscribe request
opts out, anything else is kept as unmatched for staff. Each mail is recorded once."""

from __future__ import annotations

from datetime import datetime
from email.message import Message as Mail
from typing import Any

from sqlalchemy.orm import Session

from db.inbound import contacts_with_email, inbound_by_key, message_by_rfc_ids, message_with_contact
from db.models import Contact, InboundMail, Message, MessageStatus, Response, ResponseChannel
from tasks.inbox import InboxItem
from tasks.links import message_of_address
from tasks.mail_reading import (
    addresses,
    body_text,
    bounce_failures,
    dsn_status,
    header,
    is_auto_reply,
    is_bounce,
    parsed,
    referenced_ids,
    reply_text,
)
from tasks.responses import opt_out

SOFT_BOUNCE_LIMIT = 3


def dedup_key(mail: Mail, item: InboxItem) -> str:
    """Return the key that makes a mail count once: its Message-ID, else its mailbox key."""
    message_id = header(mail, "Message-ID")[:400]
    return f"message-id:{message_id}" if message_id else f"mailbox:{item.key}"[:512]


def tagged_message(session: Session, secret: str, mail: Mail, purpose: str) -> Message | None:
    for address in addresses(mail):
        found = message_of_address(secret, address, purpose)
        if found is not None:
            return message_with_contact(session, found)
    return None


def record_inbound(session: Session, secret: str, item: InboxItem, now: datetime) -> InboundMail:
    """Record the mail (or return its earlier record) and apply what it means."""
    try:
        mail = parsed(item.raw)
        key = dedup_key(mail, item)
    except Exception as error:
        return _unreadable(session, item, now, error)
    earlier = inbound_by_key(session, key)
    if earlier is not None:
        return earlier
    inbound = InboundMail(
        dedup_key=key,
        mailbox_key=item.key[:512],
        message_id_header=header(mail, "Message-ID")[:998] or None,
        from_address=header(mail, "From")[:512],
        subject=header(mail, "Subject")[:998],
        received_at=now,
        classification="unmatched",
        text=body_text(mail),
    )
    session.add(inbound)
    _classify(session, secret, mail, inbound, now)
    session.flush()
    return inbound


def _classify(
    session: Session, secret: str, mail: Mail, inbound: InboundMail, now: datetime
) -> None:
    if unsubscribing := tagged_message(session, secret, mail, "unsubscribe"):
        inbound.classification, inbound.message_id = "unsubscribe", unsubscribing.id
        opt_out(session, unsubscribing.contact, now, ResponseChannel.EMAIL, unsubscribing)
        return
    if is_bounce(mail):
        _bounce(session, secret, mail, inbound, now)
        return
    original = tagged_message(session, secret, mail, "reply") or message_by_rfc_ids(
        session, referenced_ids(mail)
    )
    if original is None:
        inbound.classification = "auto_reply" if is_auto_reply(mail) else "unmatched"
        return
    inbound.message_id = original.id
    if is_auto_reply(mail):
        inbound.classification = "auto_reply"
        return
    inbound.classification = "reply"
    inbound.response_id = _reply(session, original, inbound, now).id


def _reply(session: Session, message: Message, inbound: InboundMail, now: datetime) -> Response:
    answered = message.reminder_of or message
    response = Response(
        message_id=answered.id,
        contact_id=message.contact_id,
        partnership_id=answered.partnership_id,
        channel=ResponseChannel.EMAIL,
        kind=str(answered.kind),
        received_at=now,
        text=reply_text(inbound.text),
        answers={"subject": inbound.subject[:300]},
    )
    session.add(response)
    session.flush()
    message.contact.soft_bounces = 0
    return response


def _bounce(session: Session, secret: str, mail: Mail, inbound: InboundMail, now: datetime) -> None:
    inbound.classification = "bounce"
    temporary, permanent = bounce_failures(mail)
    status = dsn_status(mail) or ""
    hard = bool(permanent) and not status.startswith("4.")
    message = tagged_message(session, secret, mail, "bounce") or message_by_rfc_ids(
        session, referenced_ids(mail)
    )
    contacts: list[Contact] = (
        [message.contact] if message else contacts_with_email(session, permanent | temporary)
    )
    inbound.message_id = message.id if message else None
    inbound.details = _bounce_details(hard, status, temporary, permanent, contacts)
    if message is not None and message.status == MessageStatus.SENT:
        message.status = MessageStatus.BOUNCED
        message.status_reason = f"{'hard' if hard else 'soft'} bounce {status}".strip()
    for contact in contacts:
        count_bounce(contact, hard, status, now)


def count_bounce(contact: Contact, hard: bool, status: str, now: datetime) -> None:
    """A hard bounce suppresses the address at once; soft ones after three in a row."""
    if hard:
        contact.hard_bounces += 1
        reason = f"hard bounce {status}".strip()
    else:
        contact.soft_bounces += 1
        if contact.soft_bounces < SOFT_BOUNCE_LIMIT:
            return
        reason = f"{contact.soft_bounces} soft bounces in a row"
    if contact.suppressed_at is None:
        contact.suppressed_at, contact.suppression_reason = now, reason


def _bounce_details(
    hard: bool, status: str, temporary: set[str], permanent: set[str], contacts: list[Contact]
) -> dict[str, Any]:
    return {
        "hard": hard,
        "status": status,
        "temporary": sorted(temporary),
        "permanent": sorted(permanent),
        "contact_ids": [contact.id for contact in contacts],
    }


def _unreadable(session: Session, item: InboxItem, now: datetime, error: Exception) -> InboundMail:
    key = f"mailbox:{item.key}"[:512]
    earlier = inbound_by_key(session, key)
    if earlier is not None:
        return earlier
    inbound = InboundMail(
        dedup_key=key,
        mailbox_key=item.key[:512],
        received_at=now,
        classification="unreadable",
        details={"error": f"{type(error).__name__}: {error}"[:1000]},
    )
    session.add(inbound)
    session.flush()
    return inbound
