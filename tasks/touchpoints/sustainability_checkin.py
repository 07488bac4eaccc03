"""Sustainability check-ins: on each plan's cadence after closure, ask whether results last."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db.models import FollowUpPlan, Message, TouchpointKind
from db.plans import contacts_of, due_plans_of_kind
from tasks.cadence import next_due_after, trigger_for
from tasks.outbox.planning import Planned

KIND = TouchpointKind.SUSTAINABILITY_CHECKIN


def latest_occurrence(plan: FollowUpPlan, as_of: datetime) -> datetime:
    """Return the plan's last occurrence at or before `as_of`: missed occurrences (after
    downtime, or for a partnership imported late) coalesce into the latest one."""
    assert plan.next_due_at is not None
    trigger = trigger_for(
        plan.cadence, plan.partnership.partner.time_zone, plan.starts_at, plan.ends_at
    )
    occurrence = plan.next_due_at
    while (following := next_due_after(trigger, occurrence)) is not None and following <= as_of:
        occurrence = following
    return occurrence


def advance(plan: FollowUpPlan, as_of: datetime) -> None:
    """Move the plan's next due time past `as_of`; a plan with no occurrence left ends."""
    trigger = trigger_for(
        plan.cadence, plan.partnership.partner.time_zone, plan.starts_at, plan.ends_at
    )
    plan.next_due_at = next_due_after(trigger, as_of)
    if plan.next_due_at is None:
        plan.active = False


def due(session: Session, as_of: datetime) -> Iterator[Planned]:
    """Yield one check-in per contact of every partnership whose check-in is due, and
    advance those plans."""
    for plans in due_plans_of_kind(session, KIND, as_of):
        for plan in plans:
            occurrence = latest_occurrence(plan, as_of)
            key = f"{KIND}:plan{plan.id}:{occurrence.date().isoformat()}"
            context = {"plan_id": plan.id, "occurrence": occurrence.isoformat()}
            for contact in contacts_of(plan.partnership.partner):
                yield Planned(contact, KIND, key, plan.partnership, context)
            advance(plan, as_of)


def context(session: Session, message: Message, cache: dict[Any, Any]) -> dict[str, Any]:
    """Check-ins need nothing beyond the shared context (the partnership)."""
    return {"occurrence": message.context.get("occurrence")}
