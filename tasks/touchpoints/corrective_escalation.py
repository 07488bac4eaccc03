"""Corrective escalations: a measure still pending after its due date is escalated, once,
with its history, to the partnership's UNICEF focal points. The corrective-action run plans
them (tasks/touchpoints/corrective_action.py); they ask no answer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db.corrective import trail
from db.models import CorrectiveMeasure, CorrectivePlan, Message, TouchpointKind
from tasks.corrective.followup import event_line, measure_context
from tasks.corrective.plans import SYSTEM, note
from tasks.outbox.planning import Planned
from tasks.privacy import reason_kind
from tasks.responses.forms import Answers
from tasks.staff.focal_points import focal_points_of
from tasks.touchpoints.touchpoint import Touchpoint

KIND = TouchpointKind.CORRECTIVE_ESCALATION


def escalations(
    session: Session, plan: CorrectivePlan, measure: CorrectiveMeasure, as_of: datetime
) -> Iterator[Planned]:
    """Yield the escalation of the overdue `measure` to each reachable focal point; the
    first time, record it in the trail with the names it went to and those the directory
    has no address for."""
    key = f"{KIND}:measure{measure.id}:due{measure.due_on}"
    found = focal_points_of(session, plan.partnership)
    if not escalation_noted(session, measure, key):
        reached = [c.name for c in found.reachable if c.unreachable_reason() is None]
        refused = [
            f"{c.name} ({reason_kind(c.unreachable_reason() or '')})"
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
        yield Planned(contact, KIND, key, plan.partnership, {"measure_id": measure.id})


def escalation_noted(session: Session, measure: CorrectiveMeasure, key: str) -> bool:
    """True when the escalation was already recorded (even with no one to send it to)."""
    return any(
        event.action == "escalated" and event.details.get("key") == key
        for event in trail(session, measure.plan_id, measure.id)
    )


class CorrectiveEscalation(Touchpoint[Answers]):
    """Tells the focal points a measure is overdue, with its audit trail."""

    kind = KIND
    quotes_people = True

    def context(self, session: Session, message: Message, cache: dict[Any, Any]) -> dict[str, Any]:
        measure = session.get_one(CorrectiveMeasure, message.context["measure_id"])
        history = [event_line(event) for event in trail(session, measure.plan_id, measure.id)]
        return {"measure": measure_context(measure), "history": history}
