"""Queries for inbound mail. They take a session and never commit."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from db.models import Contact, InboundMail, Message


def inbound_by_key(session: Session, dedup_key: str) -> InboundMail | None:
    return session.scalars(select(InboundMail).where(InboundMail.dedup_key == dedup_key)).first()


def message_with_contact(session: Session, message_id: int) -> Message | None:
    query = (
        select(Message)
        .where(Message.id == message_id)
        .options(
            joinedload(Message.contact).joinedload(Contact.partner), joinedload(Message.reminder_of)
        )
    )
    return session.scalars(query).unique().one_or_none()


def message_by_rfc_ids(session: Session, rfc_ids: Iterable[str]) -> Message | None:
    """Return the first of our messages whose Message-ID is among `rfc_ids`."""
    wanted = list(rfc_ids)[:50]
    if not wanted:
        return None
    query = (
        select(Message)
        .where(Message.message_id.in_(wanted))
        .options(
            joinedload(Message.contact).joinedload(Contact.partner), joinedload(Message.reminder_of)
        )
        .order_by(Message.id)
    )
    return session.scalars(query).unique().first()


def waiting_for_staff(session: Session, limit: int) -> list[InboundMail]:
    """Return the newest `limit` mails that changed nothing and wait for a person: unmatched,
    quarantined, and bounces or complaints that proved no message of ours. Mail retention
    cleared holds nothing left to look at and waits for no one."""
    query = (
        select(InboundMail)
        .where(
            InboundMail.classification.in_(["unmatched", "quarantined", "bounce", "complaint"]),
            InboundMail.cleared_at.is_(None),
        )
        .order_by(InboundMail.id.desc())
    )
    found: list[InboundMail] = []
    for mail in session.scalars(query.execution_options(yield_per=200)):
        if mail.classification in ("unmatched", "quarantined") or not mail.details.get(
            "applied", True
        ):
            found.append(mail)
            if len(found) >= limit:
                break
    return found


def inbound_by_id(session: Session, inbound_id: int) -> InboundMail | None:
    return session.get(InboundMail, inbound_id)
