"""The rules of following up corrective-action plans: when a measure's owner is reminded
(7 days, then 1 day before its due date), and how the plan's audit trail reads to people.
The messages themselves are touchpoints: tasks/touchpoints/corrective_action.py (the
reminders, the owner's answer) and corrective_escalation.py (overdue measures)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from db.models import Contact, CorrectiveEvent, CorrectiveMeasure

REMINDER_DAYS = (7, 1)


def reminder_days(today: date, due_on: date) -> int | None:
    """Return which reminder is due on `today` (7 or 1 days before), None when none is:
    before the first, or after the due date. A measure added late gets the nearest one."""
    if today > due_on:
        return None
    reached = [days for days in REMINDER_DAYS if (due_on - today).days <= days]
    return min(reached) if reached else None


def local_date(moment: datetime, contact: Contact) -> date:
    """Return the day it is at `moment` where `contact` is (their own time zone, else
    their partner's)."""
    return moment.astimezone(ZoneInfo(contact.local_time_zone)).date()


def event_line(event: CorrectiveEvent, hidden: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Return one audit-trail line for people to read: when, who, what, and for a change
    each field's value before and after ("status: planned → late"), or for a field in
    `hidden` only that it changed ("comment changed"); the same changes as `fields`
    (name, before, after; "" for no value) for a mail to word them in its language."""
    details = event.details
    fields = [
        {"name": name, "before": values[0] or "", "after": values[1] or ""}
        for name, values in details.items()
        if isinstance(values, list) and len(values) == 2 and name not in ("to", "no_address")
    ]
    changes = [
        f"{f['name']} changed"
        if f["name"] in hidden
        else f"{f['name']}: {f['before'] or '-'} → {f['after'] or '-'}"
        for f in fields
    ]
    return {
        "at": event.at,
        "actor": event.actor,
        "action": event.action,
        "changes": changes,
        "fields": fields,
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
    """Return the measure's facts as the reminder and escalation e-mails show them."""
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
