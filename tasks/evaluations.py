"""Evaluation follow-up: contributors hear the final evaluation's findings and are invited
to discuss them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db.models import Evaluation, Message, TouchpointKind
from db.staff import completed_evaluations
from tasks.planning import Planned

KIND = TouchpointKind.EVALUATION_FOLLOWUP


def due(session: Session, as_of: datetime) -> Iterator[Planned]:
    """Yield one message per contributor of every evaluation completed by `as_of` (once:
    the occurrence is the evaluation itself)."""
    for evaluation in completed_evaluations(session, as_of):
        key = f"{KIND}:evaluation{evaluation.id}"
        for contributor in sorted(evaluation.contributors, key=lambda c: c.contact_id):
            context = {"evaluation_id": evaluation.id}
            yield Planned(contributor.contact, KIND, key, evaluation.partnership, context)


def evaluation_context(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "completed_on": evaluation.completed_on,
        "conclusions": evaluation.conclusions,
        "lessons": evaluation.lessons,
        "recommendations": evaluation.recommendations,
        "report_url": evaluation.report_url,
        "discussion_at": evaluation.discussion_at,
        "discussion_place": evaluation.discussion_place,
    }


def context(session: Session, message: Message, cache: dict[Any, Any]) -> dict[str, Any]:
    evaluation_id = message.context["evaluation_id"]
    key = ("evaluation", evaluation_id)
    if key not in cache:
        cache[key] = evaluation_context(session.get_one(Evaluation, evaluation_id))
    return {"evaluation": cache[key]}
