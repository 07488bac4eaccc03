"""Queries on partnerships and their follow-up plans. They take a session and never commit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from db.models import FollowUpPlan, Partner, Partnership, TouchpointKind
from db.rows import in_chunks


class StoredPartnership(NamedTuple):
    reference: str
    start_date: date | None
    end_date: date | None
    country: str | None


def partnerships_of_partners(
    session: Session, vendors: Iterable[str]
) -> Iterator[tuple[str, StoredPartnership]]:
    """Yield (vendor number, partnership) for each stored partnership of the partners
    with these vendor numbers, a chunk of partners at a time (nothing is kept)."""
    columns = (
        Partner.vendor_number,
        Partnership.reference_number,
        Partnership.start_date,
        Partnership.end_date,
        Partnership.country,
    )
    for chunk in in_chunks(set(vendors)):
        query = select(*columns).join(Partnership.partner).where(Partner.vendor_number.in_(chunk))
        for vendor, reference, start, end, country in session.execute(query):
            yield vendor, StoredPartnership(reference, start, end, country)


def partnership_by_reference(session: Session, reference: str) -> Partnership | None:
    """Return the partnership with this reference number, or None."""
    query = select(Partnership).where(Partnership.reference_number == reference)
    return session.scalars(query).one_or_none()


def partnerships_by_reference(
    session: Session, references: Iterable[str]
) -> dict[str, Partnership]:
    """Return the stored partnerships among `references`, keyed by reference number."""
    found: dict[str, Partnership] = {}
    for chunk in in_chunks(set(references)):
        rows = session.scalars(select(Partnership).where(Partnership.reference_number.in_(chunk)))
        found.update((partnership.reference_number, partnership) for partnership in rows)
    return found


def partnerships_of(session: Session, partner_ids: Iterable[int]) -> list[Partnership]:
    """Return every partnership of the given partners."""
    found: list[Partnership] = []
    for chunk in in_chunks(set(partner_ids)):
        query = select(Partnership).where(Partnership.partner_id.in_(chunk))
        found += session.scalars(query.order_by(Partnership.id))
    return found


def plans_by_partnership(
    session: Session, partnership_ids: Iterable[int]
) -> dict[int, dict[TouchpointKind, FollowUpPlan]]:
    """Return the follow-up plans of the given partnerships, keyed by partnership and kind."""
    found: dict[int, dict[TouchpointKind, FollowUpPlan]] = defaultdict(dict)
    for chunk in in_chunks(set(partnership_ids)):
        rows = session.scalars(select(FollowUpPlan).where(FollowUpPlan.partnership_id.in_(chunk)))
        for plan in rows:
            found[plan.partnership_id][plan.kind] = plan
    return found


def insert_plans(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert follow-up plans from their columns in one statement; they never enter the
    session. Nothing happens for no rows."""
    if rows:
        session.execute(insert(FollowUpPlan), list(rows))


def count_due_plans(session: Session, as_of: datetime) -> int:
    """Return how many active plans, of every kind, are due at `as_of`; read from the
    partial index ix_follow_up_plans_due, so the cost follows the due plans, not the table."""
    query = select(func.count()).where(FollowUpPlan.active, FollowUpPlan.next_due_at <= as_of)
    return session.scalar(query.select_from(FollowUpPlan)) or 0
