"""Who an ad-hoc campaign reaches. Takes a session and never commits."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from db.models import Contact, Partner, Partnership


def audience_rows(
    session: Session,
    statuses: Iterable[str],
    countries: Iterable[str] = (),
    cso_types: Iterable[str] = (),
    vendor_numbers: Iterable[str] = (),
    languages: Iterable[str] = (),
    ended_after: date | None = None,
    ended_before: date | None = None,
) -> Iterator[tuple[Contact, Partnership]]:
    """Yield (contact, partnership) for every contact of a partner with a partnership
    matching the filters (empty means any), each contact's latest-ending partnership
    first, streamed in batches."""
    query = (
        select(Contact, Partnership)
        .join(Partner, Partner.id == Contact.partner_id)
        .join(Partnership, Partnership.partner_id == Partner.id)
        .options(contains_eager(Contact.partner))
        .order_by(Contact.id, Partnership.end_date.desc().nulls_last(), Partnership.id)
    )
    if statuses := list(statuses):
        query = query.where(Partnership.status.in_(statuses))
    if countries := [code.upper() for code in countries]:
        query = query.where(Partnership.country.in_(countries))
    if cso_types := list(cso_types):
        query = query.where(Partner.cso_type.in_(cso_types))
    if vendor_numbers := list(vendor_numbers):
        query = query.where(Partner.vendor_number.in_(vendor_numbers))
    if languages := list(languages):
        query = query.where(func.lower(Contact.language).in_(languages))
    if ended_after:
        query = query.where(Partnership.end_date >= ended_after)
    if ended_before:
        query = query.where(Partnership.end_date <= ended_before)
    # Unpacked here so callers get plain tuples (Result.tuples() is deprecated in 2.1).
    for contact, partnership in session.execute(query.execution_options(yield_per=500)):  # noqa: UP028
        yield contact, partnership
