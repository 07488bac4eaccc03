"""Corrective-action plans (guidance §4): when a partnership makes little or no progress,
staff record measures, each with its owner, due date and budget change; owners report
progress; every change is written to the plan's audit trail (who, when, what)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db.contacts import partner_contacts, staff_with_address
from db.corrective import open_plan_of
from db.models import (
    Contact,
    CorrectiveEvent,
    CorrectiveMeasure,
    CorrectivePlan,
    MeasureStatus,
    Partnership,
    TouchpointKind,
)
from db.models.addresses import address_key
from db.outbox_decisions import cancel_planned
from tasks.privacy import redacted
from tasks.staff.focal_points import named
from tasks.staff.influence import supporter_key

SYSTEM = "system"
FOLLOW_UP_KINDS = (TouchpointKind.CORRECTIVE_ACTION, TouchpointKind.CORRECTIVE_ESCALATION)


class CorrectiveError(Exception):
    """The plan or measure is unknown, or the change cannot be made."""


def note(
    session: Session,
    plan: CorrectivePlan,
    action: str,
    actor: str,
    now: datetime,
    measure: CorrectiveMeasure | None = None,
    **details: Any,
) -> CorrectiveEvent:
    """Append one line to the plan's audit trail and return it."""
    event = CorrectiveEvent(
        plan_id=plan.id,
        measure_id=measure.id if measure else None,
        at=now,
        actor=actor[:256],
        action=action,
        details=details,
    )
    session.add(event)
    return event


def open_plan(
    session: Session, partnership: Partnership, reason: str, actor: str, now: datetime
) -> CorrectivePlan:
    """Open the partnership's plan; raise `CorrectiveError` when it has ended or a plan is
    already open (the database refuses a second open plan too)."""
    if partnership.has_ended:
        raise CorrectiveError(f"{partnership.reference_number} has {partnership.status}")
    if open_plan_of(session, partnership.id) is not None:
        raise CorrectiveError(f"{partnership.reference_number} already has an open plan")
    plan = CorrectivePlan(partnership=partnership, reason=reason, recorded_by=actor)
    session.add(plan)
    session.flush()
    note(session, plan, "plan opened", actor, now, reason=reason, status=str(partnership.status))
    return plan


def owner_for(session: Session, partnership: Partnership, owner: str) -> Contact:
    """Return the contact `owner` names: a contact of the partner (number, address or
    name) or a UNICEF focal point in the staff directory (address or name)."""
    key, folded = address_key(owner), supporter_key(owner)
    for contact in partner_contacts(session, partnership.partner_id):
        same_mailbox = bool(key) and contact.email_key == key
        named_here = owner.strip() == str(contact.id) or same_mailbox
        if contact.active and (named_here or supporter_key(contact.name) == folded):
            return contact
    staff = named(session, owner) or staff_with_address(session, owner)
    if staff is not None:
        return staff
    raise CorrectiveError(
        f"owner {redacted(owner[:80])!r} is neither a contact of {partnership.partner.name}"
        " nor a focal point in the staff directory (continuity focal-point add)"
    )


def add_measure(
    session: Session,
    plan: CorrectivePlan,
    values: dict[str, Any],
    actor: str,
    now: datetime,
) -> CorrectiveMeasure:
    """Add a measure (description, owner contact, due_on, budget_change, currency)."""
    if not plan.is_open:
        raise CorrectiveError(f"plan {plan.id} is closed")
    measure = CorrectiveMeasure(plan=plan, **values)
    session.add(measure)
    session.flush()
    note(session, plan, "measure added", actor, now, measure, **described(measure))
    return measure


def described(measure: CorrectiveMeasure) -> dict[str, Any]:
    """Return the measure's fields as the audit trail records them (owner by name)."""
    return {
        "description": measure.description,
        "owner": measure.owner.name if measure.owner else "",
        "due_on": measure.due_on.isoformat(),
        "budget_change": f"{measure.budget_change:.2f} {measure.currency}",
        "status": str(measure.status),
    }


def update_measure(
    session: Session,
    measure: CorrectiveMeasure,
    changes: dict[str, Any],
    actor: str,
    now: datetime,
    by_contact: int | None = None,
) -> dict[str, Any]:
    """Apply `changes` (status, status_comment, due_on, owner, budget_change, currency,
    description) and record what changed, before and after, and the number of the
    contact who acted when one did (`by_contact`); return the changes made."""
    if not measure.plan.is_open:
        raise CorrectiveError(f"plan {measure.plan_id} is closed")
    before = described(measure) | {"comment": measure.status_comment}
    for name, value in changes.items():
        setattr(measure, name, value)
    if "status" in changes or "status_comment" in changes:
        measure.status_at = now
    after = described(measure) | {"comment": measure.status_comment}
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changed.keys() & {"status", "due_on", "owner"}:
        cancel_follow_up(session, measure, f"measure changed ({', '.join(sorted(changed))})")
    if changed:
        action = "status update" if set(changed) <= {"status", "comment"} else "measure changed"
        by = {"by_contact": by_contact} if by_contact else {}
        note(session, measure.plan, action, actor, now, measure, **changed, **by)
    return changed


def cancel_follow_up(session: Session, measure: CorrectiveMeasure, reason: str) -> int:
    """Cancel the measure's reminders and escalations still waiting for a sending window:
    what they say no longer holds. Return how many."""
    prefixes = (f"{kind}:measure{measure.id}:" for kind in FOLLOW_UP_KINDS)
    return sum(cancel_planned(session, prefix, reason) for prefix in prefixes)


def report_status(
    session: Session, measure_id: int, status: str, comment: str, who: Contact, now: datetime
) -> bool:
    """Record the status its owner reports through the portal; return False (nothing
    changed) when the measure is gone, cancelled by staff, its plan closed, or `who` no
    longer owns it (an old link of a previous owner)."""
    measure = session.get(CorrectiveMeasure, measure_id)
    if measure is None or not measure.plan.is_open or measure.owner_id != who.id:
        return False
    if measure.status == MeasureStatus.CANCELLED:
        return False
    role = "focal point" if who.is_staff else "partner"
    changes = {"status": MeasureStatus(status), "status_comment": comment}
    update_measure(session, measure, changes, f"{role}: {who.name}", now, by_contact=who.id)
    return True


def close_plan(
    session: Session, plan: CorrectivePlan, outcome: str, actor: str, now: datetime
) -> None:
    """Close the plan with its outcome; no reminder or escalation follows a closed plan."""
    if not plan.is_open:
        raise CorrectiveError(f"plan {plan.id} is already closed")
    plan.status, plan.outcome, plan.closed_at = "closed", outcome, now
    for measure in plan.measures:
        cancel_follow_up(session, measure, "corrective plan closed")
    note(session, plan, "plan closed", actor, now, outcome=outcome, measures=measure_counts(plan))


def measure_counts(plan: CorrectivePlan) -> dict[str, int]:
    """Return how many of the plan's measures are in each status."""
    counts: dict[str, int] = {}
    for measure in plan.measures:
        counts[str(measure.status)] = counts.get(str(measure.status), 0) + 1
    return counts


def close_ended(session: Session, plans: list[CorrectivePlan], now: datetime) -> list[int]:
    """Close each plan whose partnership has since ended (terminated, as a rule), with
    the outcome eTools gives; return their ids."""
    for plan in plans:
        counts = measure_counts(plan)
        done = counts.get(MeasureStatus.DONE, 0)
        outcome = (
            f"partnership {plan.partnership.status} (eTools import);"
            f" {done} of {len(plan.measures)} measures done"
        )
        close_plan(session, plan, outcome, f"{SYSTEM}: eTools import", now)
    return [plan.id for plan in plans]
