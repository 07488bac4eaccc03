"""Queries on partners and their contacts. They take a session and never commit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Contact, Partner
from db.rows import in_chunks


def partners_by_vendor_number(session: Session, numbers: Iterable[str]) -> dict[str, Partner]:
    """Return the stored partners among `numbers`, keyed by vendor number."""
    found: dict[str, Partner] = {}
    for chunk in in_chunks(set(numbers)):
        rows = session.scalars(select(Partner).where(Partner.vendor_number.in_(chunk)))
        found.update((partner.vendor_number, partner) for partner in rows)
    return found


def partner_time_zones(session: Session, numbers: Iterable[str]) -> dict[str, tuple[int, str]]:
    """Return (id, time zone) of the stored partners among `numbers`, keyed by vendor
    number, without loading them."""
    found: dict[str, tuple[int, str]] = {}
    for chunk in in_chunks(numbers):
        query = select(Partner.vendor_number, Partner.id, Partner.time_zone)
        rows = session.execute(query.where(Partner.vendor_number.in_(chunk)))
        found.update((vendor, (id_, zone)) for vendor, id_, zone in rows)
    return found


def contacts_by_partner(session: Session, partner_ids: Iterable[int]) -> dict[int, list[Contact]]:
    """Return every contact (active or not) of the given partners, keyed by partner id."""
    found: dict[int, list[Contact]] = defaultdict(list)
    for chunk in in_chunks(set(partner_ids)):
        rows = session.scalars(
            select(Contact).where(Contact.partner_id.in_(chunk)).order_by(Contact.id)
        )
        for contact in rows:
            found[contact.partner_id].append(contact)
    return found
