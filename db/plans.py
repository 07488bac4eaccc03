"""Queries the touchpoints use to find who is due. They take a session and never commit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Select, select, tuple_
from sqlalchemy.orm import Session, joinedload

from db.models import Contact, FollowUpPlan, Partner, Partnership, TouchpointKind
from db.rows import CHUNK

# Where the previous batch of due plans ended: its last plan's next due time and id.
DueCursor = tuple[datetime, int]


def due_plans_of_kind(
    session: Session, kind: TouchpointKind, as_of: datetime, chunk: int = CHUNK
) -> Iterator[list[FollowUpPlan]]:
    """Yield, in batches of at most `chunk`, the active plans of `kind` due at `as_of`,
    soonest first (then by id), each with its partnership, partner and the partner's
    contacts loaded. The caller may advance or end the plans of a batch before asking for
    the next: each batch starts after the last one's due time and id as they were read."""
    after: DueCursor | None = None
    while True:
        plans = list(session.scalars(due_plans_query(kind, as_of, after, chunk)).unique())
        if not plans:
            return
        # Read before the caller moves the plans on.
        after = (_due_at(plans[-1]), plans[-1].id)
        yield plans


def due_plans_query(
    kind: TouchpointKind, as_of: datetime, after: DueCursor | None = None, chunk: int = CHUNK
) -> Select[FollowUpPlan]:
    """Return the statement for one batch of `due_plans_of_kind`: the first `chunk` due
    plans of `kind` after the (next due time, id) `after` (from the first when None).

    Filter and order follow the partial index ix_follow_up_plans_due (next_due_at, kind,
    id) on active plans: with the kind fixed, its order is (next_due_at, id), so each batch
    is one range of it read in order, and the cost follows the number of due plans, not
    the size of the table.
    """
    conditions = [FollowUpPlan.active, FollowUpPlan.kind == kind, FollowUpPlan.next_due_at <= as_of]
    if after is not None:
        conditions.append(tuple_(FollowUpPlan.next_due_at, FollowUpPlan.id) > after)
    return (
        select(FollowUpPlan)
        .where(*conditions)
        .options(
            joinedload(FollowUpPlan.partnership)
            .joinedload(Partnership.partner)
            .selectinload(Partner.contacts)
        )
        .order_by(FollowUpPlan.next_due_at, FollowUpPlan.id)
        .limit(chunk)
    )


def _due_at(plan: FollowUpPlan) -> datetime:
    assert plan.next_due_at is not None, "a due plan has a due time"
    return plan.next_due_at


def plans_open_at(session: Session, kind: TouchpointKind, as_of: datetime) -> list[FollowUpPlan]:
    """Return the active plans of `kind` whose window contains `as_of` (event-driven
    touchpoints: who may be invited now)."""
    query = (
        select(FollowUpPlan)
        .where(
            FollowUpPlan.active,
            FollowUpPlan.kind == kind,
            FollowUpPlan.starts_at <= as_of,
            (FollowUpPlan.ends_at.is_(None)) | (FollowUpPlan.ends_at > as_of),
        )
        .options(
            joinedload(FollowUpPlan.partnership)
            .joinedload(Partnership.partner)
            .selectinload(Partner.contacts)
        )
        .order_by(FollowUpPlan.id)
    )
    return list(session.scalars(query).unique())


def contacts_of(partner: Partner) -> list[Contact]:
    """Return the partner's contacts in a stable order (all of them: the plan stage records
    why the unreachable ones are skipped)."""
    return sorted(partner.contacts, key=lambda contact: contact.id)
