"""Queries for inbound mail. They take a session and never commit."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
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


def contacts_with_email(session: Session, emails: Iterable[str]) -> list[Contact]:
    wanted = [email.lower() for email in emails][:50]
    if not wanted:
        return []
    return list(session.scalars(select(Contact).where(func.lower(Contact.email).in_(wanted))))
