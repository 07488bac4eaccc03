"""Queries for contacts (partners' and staff) and their history. They take a session and
never commit."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from db.models import Contact, ContactEvent, Partner
from db.models.addresses import address_key


def contacts_with_address(session: Session, address: str) -> list[Contact]:
    """Return every contact with this address, in either form of its domain (Unicode or
    punycode) and any case (a person may work for several partners); none for what is not
    an address."""
    key = address_key(address)
    if not key:
        return []
    query = (
        select(Contact)
        .where(Contact.email_key == key)
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
    """Return the partner's contacts whose address is among `addresses`, in either form
    and any case."""
    keys = [key for key in map(address_key, addresses) if key]
    query = select(Contact).where(Contact.partner_id == partner_id, Contact.email_key.in_(keys))
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
    """Return the staff contact holding `address`, in either form and any case, if any."""
    query = select(Contact).where(Contact.is_staff, Contact.email_key == address_key(address))
    return session.scalars(query.order_by(Contact.id)).first()


def is_erased(session: Session, contact_id: int) -> bool:
    """True when the contact is erased, as the database says now (not a loaded copy)."""
    query = select(Contact.erased_at).where(Contact.id == contact_id)
    return session.scalar(query) is not None
