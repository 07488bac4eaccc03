"""The daily follow-up of corrective-action plans: each owner is reminded before a
measure's due date (7 days, then 1 day before) and asked for its status through the
portal; a measure still pending after its due date is escalated, once, with its history,
to the partnership's UNICEF focal points."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from db.corrective import plans, trail
from db.models import (
    Contact,
    CorrectiveEvent,
    CorrectiveMeasure,
    CorrectivePlan,
    Message,
    TouchpointKind,
)
from tasks.corrective.plans import SYSTEM, note
from tasks.outbox.planning import Planned
from tasks.staff.focal_points import focal_points_of

REMINDER = TouchpointKind.CORRECTIVE_ACTION
ESCALATION = TouchpointKind.CORRECTIVE_ESCALATION
REMINDER_DAYS = (7, 1)


def reminder_days(today: date, due_on: date) -> int | None:
    """Return which reminder is due on `today` (7 or 1 days before), None when none is:
    before the first, or after the due date. A measure added late gets the nearest one."""
    if today > due_on:
        return None
    reached = [days for days in REMINDER_DAYS if (due_on - today).days <= days]
    return min(reached) if reached else None


def local_date(moment: datetime, contact: Contact) -> date:
    return moment.astimezone(ZoneInfo(contact.partner.time_zone)).date()


def due(session: Session, as_of: datetime) -> Iterator[Planned]:
    """Yield the reminders and escalations due at `as_of` for the open plans; each new one
    is written to the plan's audit trail."""
    for plan in plans(session):
        for measure in plan.measures:
            if measure.is_pending:
                yield from measure_messages(session, plan, measure, as_of)


def measure_messages(
    session: Session, plan: CorrectivePlan, measure: CorrectiveMeasure, as_of: datetime
) -> Iterator[Planned]:
    today = local_date(as_of, measure.owner)
    days = reminder_days(today, measure.due_on)
    context = {"measure_id": measure.id}
    if days is not None:
        key = f"{REMINDER}:measure{measure.id}:due{measure.due_on}:d{days}"
        if not occurrence_planned(session, key):
            reason = measure.owner.unreachable_reason()
            action = "reminder" if reason is None else "reminder not sent"
            details = {"days_before": days} | ({"reason": reason} if reason else {})
            note(session, plan, action, SYSTEM, as_of, measure, **details)
        yield Planned(measure.owner, REMINDER, key, plan.partnership, context | {"days": days})
    elif measure.is_overdue(today):
        yield from escalations(session, plan, measure, as_of)


def escalations(
    session: Session, plan: CorrectivePlan, measure: CorrectiveMeasure, as_of: datetime
) -> Iterator[Planned]:
    """Yield the escalation to each reachable focal point; the first time, record it in
    the trail with the names it went to and those the directory has no address for."""
    key = f"{ESCALATION}:measure{measure.id}:due{measure.due_on}"
    found = focal_points_of(session, plan.partnership)
    if not escalation_noted(session, measure, key):
        reached = [c.name for c in found.reachable if c.unreachable_reason() is None]
        refused = [
            f"{c.name} ({c.unreachable_reason()})"
            for c in found.reachable
            if c.unreachable_reason() is not None
        ]
        note(
            session,
            plan,
            "escalated",
            SYSTEM,
            as_of,
            measure,
            key=key,
            to=reached,
            no_address=found.unknown + refused,
        )
    for contact in found.reachable:
        yield Planned(contact, ESCALATION, key, plan.partnership, {"measure_id": measure.id})


def occurrence_planned(session: Session, key: str) -> bool:
    return bool(session.scalar(select(exists().where(Message.occurrence_key == key))))


def escalation_noted(session: Session, measure: CorrectiveMeasure, key: str) -> bool:
    """True when the escalation was already recorded (even with no one to send it to)."""
    return any(
        event.action == "escalated" and event.details.get("key") == key
        for event in trail(session, measure.plan_id, measure.id)
    )


def event_line(event: CorrectiveEvent) -> dict[str, Any]:
    """Return one audit-trail line for people to read: when, who, what, and for a change
    each field's value before and after ("status: planned → late")."""
    details = event.details
    changes = [
        f"{name}: {values[0] or '-'} → {values[1] or '-'}"
        for name, values in details.items()
        if isinstance(values, list) and len(values) == 2 and name not in ("to", "no_address")
    ]
    return {
        "at": event.at,
        "actor": event.actor,
        "action": event.action,
        "changes": changes,
        "days_before": details.get("days_before"),
        "reason": details.get("reason", ""),
        "to": details.get("to") or [],
        "no_address": details.get("no_address") or [],
    }


def line_summary(line: dict[str, Any]) -> str:
    """Return what the line changed, in words, for the report and the CLI."""
    days = f"{line['days_before']} day{'' if line['days_before'] == 1 else 's'}"
    if line["action"] == "reminder":
        return f"{days} before the due date"
    if line["action"] == "reminder not sent":
        return f"{days} before the due date: {line['reason']}"
    if line["action"] == "escalated":
        unknown = f"; no address for {', '.join(line['no_address'])}" if line["no_address"] else ""
        return f"to {', '.join(line['to']) or 'no one'}{unknown}"
    return "; ".join(line["changes"])


def measure_context(measure: CorrectiveMeasure) -> dict[str, Any]:
    return {
        "id": measure.id,
        "description": measure.description,
        "owner": measure.owner.name,
        "due_on": measure.due_on,
        "budget_change": float(measure.budget_change),
        "currency": measure.currency,
        "status": str(measure.status),
        "comment": measure.status_comment,
        "plan_reason": measure.plan.reason,
    }


def context(session: Session, message: Message, cache: dict[Any, Any]) -> dict[str, Any]:
    measure = session.get_one(CorrectiveMeasure, message.context["measure_id"])
    return {
        "measure": measure_context(measure),
        "days": message.context.get("days"),
        "staff_recipient": message.contact.is_staff,
    }


def escalation_context(session: Session, message: Message, cache: dict[Any, Any]) -> dict[str, Any]:
    measure = session.get_one(CorrectiveMeasure, message.context["measure_id"])
    history = [event_line(event) for event in trail(session, measure.plan_id, measure.id)]
    return {"measure": measure_context(measure), "history": history}
