"""Corrective-action reminders: each owner of a pending measure is reminded before its due
date (7 days, then 1 day before) and asked for its status through the portal; the owner's
answer updates the plan. The same daily run escalates overdue measures
(tasks/touchpoints/corrective_escalation.py). The plans' own rules are in tasks/corrective/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from db.corrective import plans
from db.models import CorrectiveMeasure, CorrectivePlan, Message, Response, TouchpointKind
from db.outbox import occurrence_planned
from tasks.corrective.followup import local_date, measure_context, reminder_days
from tasks.corrective.plans import SYSTEM, note, report_status
from tasks.outbox.planning import Planned
from tasks.responses.forms import Answers, Text
from tasks.touchpoints import corrective_escalation
from tasks.touchpoints.touchpoint import Reader, Touchpoint

KIND = TouchpointKind.CORRECTIVE_ACTION


class MeasureAnswers(Answers):
    """Where a corrective measure stands, as its owner reports it."""

    status: Literal["done", "on_track", "late"]
    comment: Text = ""


def measure_messages(
    session: Session, plan: CorrectivePlan, measure: CorrectiveMeasure, as_of: datetime
) -> Iterator[Planned]:
    """Yield the reminder due at `as_of` for the pending `measure` (writing each new one
    to the plan's audit trail), or once it is overdue its escalations."""
    today = local_date(as_of, measure.owner)
    days = reminder_days(today, measure.due_on)
    context = {"measure_id": measure.id}
    if days is not None:
        key = f"{KIND}:measure{measure.id}:due{measure.due_on}:d{days}"
        if not occurrence_planned(session, key):
            reason = measure.owner.unreachable_reason()
            action = "reminder" if reason is None else "reminder not sent"
            details = {"days_before": days} | ({"reason": reason} if reason else {})
            note(session, plan, action, SYSTEM, as_of, measure, **details)
        yield Planned(measure.owner, KIND, key, plan.partnership, context | {"days": days})
    elif measure.is_overdue(today):
        yield from corrective_escalation.escalations(session, plan, measure, as_of)


class CorrectiveAction(Touchpoint[MeasureAnswers]):
    """Asks a measure's owner where it stands; its run sends the escalations too."""

    kind = KIND
    quotes_people = True
    form = MeasureAnswers
    page = "corrective_action"
    scheduled = True
    also_sends = (corrective_escalation.KIND,)

    def due(
        self, session: Session, as_of: datetime, reminder_delays: tuple[int, ...]
    ) -> Iterator[Planned]:
        """Yield the reminders and escalations due at `as_of` for the open plans; each new
        one is written to the plan's audit trail."""
        for plan in plans(session):
            for measure in plan.measures:
                if measure.is_pending:
                    yield from measure_messages(session, plan, measure, as_of)

    def context(self, session: Session, message: Message, cache: dict[Any, Any]) -> dict[str, Any]:
        measure = session.get_one(CorrectiveMeasure, message.context["measure_id"])
        return {
            "measure": measure_context(measure),
            "days": message.context.get("days"),
            "staff_recipient": message.contact.is_staff,
        }

    def page_context(
        self, session: Session, message: Message, reader: Reader, values: dict[str, Any]
    ) -> dict[str, Any]:
        """The measure asked about: what it is and when it is due."""
        measure = session.get_one(CorrectiveMeasure, message.context["measure_id"])
        return {
            "measure": {
                "description": measure.description,
                "due_on": reader.date(measure.due_on),
            }
        }

    def answered(
        self, session: Session, response: Response, answers: MeasureAnswers, now: datetime
    ) -> None:
        """Record the status the owner reports in the measure and its plan's trail."""
        if response.message is None or response.contact is None:
            return
        measure_id = response.message.context["measure_id"]
        report_status(session, measure_id, answers.status, answers.comment, response.contact, now)
