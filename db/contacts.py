"""Queries for contacts and their history. They take a session and never commit."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from db.models import Contact, ContactEvent


def contacts_with_address(session: Session, address: str) -> list[Contact]:
    """Return every contact with this address (a person may work for several partners),
    ignoring case."""
    query = (
        select(Contact)
        .where(func.lower(Contact.email) == address.strip().lower())
        .options(joinedload(Contact.partner))
        .order_by(Contact.id)
    )
    return list(session.scalars(query))


def contact_history(session: Session, contact_id: int) -> list[ContactEvent]:
    query = select(ContactEvent).where(ContactEvent.contact_id == contact_id)
    return list(session.scalars(query.order_by(ContactEvent.at, ContactEvent.id)))
