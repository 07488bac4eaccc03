"""Queries on corrective-action plans. They take a session and never commit."""

from __future__ import annotations

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from db.models import (
    ENDED_STATUSES,
    Contact,
    CorrectiveEvent,
    CorrectiveMeasure,
    CorrectivePlan,
    InterventionStatus,
    Partnership,
)


def open_plan_of(session: Session, partnership_id: int) -> CorrectivePlan | None:
    query = select(CorrectivePlan).where(
        CorrectivePlan.partnership_id == partnership_id, CorrectivePlan.status == "open"
    )
    return session.scalars(query).one_or_none()


def plans(session: Session, only_open: bool = True) -> list[CorrectivePlan]:
    """Return the plans (open ones only, by default) with their partnership, partner,
    measures and owners loaded, by partnership reference."""
    query = (
        select(CorrectivePlan)
        .join(CorrectivePlan.partnership)
        .options(
            joinedload(CorrectivePlan.partnership).joinedload(Partnership.partner),
            selectinload(CorrectivePlan.measures)
            .joinedload(CorrectiveMeasure.owner)
            .joinedload(Contact.partner),
        )
        .order_by(Partnership.reference_number, CorrectivePlan.id)
    )
    if only_open:
        query = query.where(CorrectivePlan.status == "open")
    return list(session.scalars(query).unique())


PLAN_CLOSING_STATUSES = (*sorted(ENDED_STATUSES), "cancelled", "expired")


def open_plans_of_ended(session: Session) -> list[CorrectivePlan]:
    """Return the open plans whose partnership eTools now reports terminated, ended,
    closed, cancelled or expired, locked so that two closings cannot both close one."""
    query = (
        select(CorrectivePlan)
        .join(CorrectivePlan.partnership)
        .where(
            CorrectivePlan.status == "open",
            Partnership.status.in_(PLAN_CLOSING_STATUSES),
        )
        .options(selectinload(CorrectivePlan.measures))
        .order_by(CorrectivePlan.id)
        .with_for_update(of=CorrectivePlan)
    )
    return list(session.scalars(query))


def suspended_without_plan(session: Session) -> list[Partnership]:
    """Return the suspended partnerships with no open corrective plan."""
    planned = exists().where(
        CorrectivePlan.partnership_id == Partnership.id, CorrectivePlan.status == "open"
    )
    query = (
        select(Partnership)
        .where(Partnership.status == InterventionStatus.SUSPENDED, ~planned)
        .options(joinedload(Partnership.partner))
        .order_by(Partnership.reference_number)
    )
    return list(session.scalars(query))


def trail(session: Session, plan_id: int, measure_id: int | None = None) -> list[CorrectiveEvent]:
    """Return the plan's audit trail (of one measure, if given), oldest first."""
    query = select(CorrectiveEvent).where(CorrectiveEvent.plan_id == plan_id)
    if measure_id is not None:
        query = query.where(CorrectiveEvent.measure_id == measure_id)
    return list(session.scalars(query.order_by(CorrectiveEvent.at, CorrectiveEvent.id)))


def hand_over_measures(session: Session, old_owner_id: int, new_owner_id: int) -> None:
    """Give the new owner every corrective measure the old one owned."""
    session.execute(
        update(CorrectiveMeasure)
        .where(CorrectiveMeasure.owner_id == old_owner_id)
        .values(owner_id=new_owner_id)
    )
