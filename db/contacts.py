"""Queries for contacts (partners' and staff) and their history. They take a session and
never commit."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from db.models import Contact, ContactEvent, Partner


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


def partner_contacts(session: Session, partner_id: int) -> list[Contact]:
    """Return every contact of the partner (active or not), oldest first."""
    query = select(Contact).where(Contact.partner_id == partner_id).order_by(Contact.id)
    return list(session.scalars(query))


def partner_contacts_with_addresses(
    session: Session, partner_id: int, addresses: Iterable[str]
) -> list[Contact]:
    """Return the partner's contacts whose address is among `addresses` (lower case),
    ignoring the case of the stored address."""
    query = select(Contact).where(
        Contact.partner_id == partner_id, func.lower(Contact.email).in_(list(addresses))
    )
    return list(session.scalars(query.order_by(Contact.id)))


def unicef(session: Session) -> Partner | None:
    """Return UNICEF's own row, whose contacts are its staff, or None before the first
    staff address is registered."""
    return session.scalars(select(Partner).where(Partner.is_unicef)).one_or_none()


def staff_contacts(session: Session) -> list[Contact]:
    """Return the UNICEF staff the product may write to (the staff directory), by name."""
    query = (
        select(Contact)
        .where(Contact.is_staff)
        .options(joinedload(Contact.partner))
        .order_by(Contact.name, Contact.id)
    )
    return list(session.scalars(query))


def staff_with_address(session: Session, address: str) -> Contact | None:
    """Return the staff contact holding `address`, ignoring case, if any."""
    query = select(Contact).where(
        Contact.is_staff, func.lower(Contact.email) == address.strip().lower()
    )
    return session.scalars(query.order_by(Contact.id)).first()
