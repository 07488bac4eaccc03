"""Queries the eTools sync reads around an import: what a workspace held before and after,
and what other workspaces hold of the same partners. They take a session and never
commit; they load columns, not rows, so a large workspace costs no session memory."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Contact, InterventionStatus, Partner, Partnership
from db.rows import in_chunks


class PartnershipState(NamedTuple):
    status: InterventionStatus
    end_date: date | None
    partner: str


class StoredContact(NamedTuple):
    id: int
    email_key: str | None
    has_email: bool
    name: str


def partnership_states(session: Session, references: Iterable[str]) -> dict[str, PartnershipState]:
    """Return the status, end date and partner's name of the stored partnerships among
    `references`, keyed by reference number."""
    found: dict[str, PartnershipState] = {}
    columns = (Partnership.reference_number, Partnership.status, Partnership.end_date, Partner.name)
    for chunk in in_chunks(set(references)):
        query = select(*columns).join(Partnership.partner)
        rows = session.execute(query.where(Partnership.reference_number.in_(chunk)))
        found.update(
            (reference, PartnershipState(status, end, partner))
            for reference, status, end, partner in rows
        )
    return found


def references_under(session: Session, code: str) -> list[str]:
    """Return the stored reference numbers a workspace code begins (`CODE/…`, any case)."""
    escaped = code.upper().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = select(Partnership.reference_number).where(
        func.upper(Partnership.reference_number).like(f"{escaped}/%", escape="\\")
    )
    return list(session.scalars(query))


def active_contacts(session: Session, vendors: Iterable[str]) -> dict[str, frozenset[int]]:
    """Return the numbers of the active contacts of the partners with these vendor
    numbers, keyed by vendor number (a partner without one is left out)."""
    found: dict[str, set[int]] = defaultdict(set)
    for chunk in in_chunks(set(vendors)):
        query = (
            select(Partner.vendor_number, Contact.id)
            .join(Contact.partner)
            .where(Partner.vendor_number.in_(chunk), Contact.active)
        )
        for vendor, contact_id in session.execute(query):
            found[vendor].add(contact_id)
    return {vendor: frozenset(ids) for vendor, ids in found.items()}


def partner_names(session: Session, vendors: Iterable[str]) -> dict[str, str]:
    """Return the names of the stored partners with these vendor numbers."""
    found: dict[str, str] = {}
    for chunk in in_chunks(set(vendors)):
        query = select(Partner.vendor_number, Partner.name).where(Partner.vendor_number.in_(chunk))
        found.update((vendor, name) for vendor, name in session.execute(query))
    return found


def contacts_of_partners(
    session: Session, vendors: Iterable[str]
) -> dict[str, list[StoredContact]]:
    """Return the active contacts of the partners with these vendor numbers, as the
    import matches them (address key, else name), keyed by vendor number."""
    found: dict[str, list[StoredContact]] = defaultdict(list)
    columns = (Partner.vendor_number, Contact.id, Contact.email_key, Contact.email, Contact.name)
    for chunk in in_chunks(set(vendors)):
        query = select(*columns).join(Contact.partner)
        rows = session.execute(query.where(Partner.vendor_number.in_(chunk), Contact.active))
        for vendor, contact_id, key, email, name in rows:
            found[vendor].append(StoredContact(contact_id, key, bool(email), name))
    return found


def focal_point_names(session: Session, references: Iterable[str]) -> set[str]:
    """Return every focal point name the partnerships among `references` list."""
    names: set[str] = set()
    for chunk in in_chunks(set(references)):
        query = select(Partnership.focal_points).where(Partnership.reference_number.in_(chunk))
        for listed in session.scalars(query):
            names.update(listed or ())
    return names
