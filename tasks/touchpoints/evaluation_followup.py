"""Evaluation follow-up: contributors hear the final evaluation's findings and are invited
to discuss them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from db.models import Evaluation, Message, MessageStatus, TouchpointKind
from db.responses import current_answer
from db.staff import completed_evaluations, messages_of_occurrence
from tasks.outbox.planning import Planned
from tasks.outbox.render import localized, paragraphs
from tasks.privacy import reason_kind, redacted
from tasks.responses.forms import Answers, Text
from tasks.touchpoints.touchpoint import Reader, Touchpoint

KIND = TouchpointKind.EVALUATION_FOLLOWUP


class EvaluationAnswers(Answers):
    comment: Text = ""
    join_discussion: Literal["yes", "no"] = "no"


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


class EvaluationFollowup(Touchpoint[EvaluationAnswers]):
    """Tells contributors the final evaluation's findings and asks whether they join the
    discussion."""

    kind = KIND
    form = EvaluationAnswers
    page = "evaluation_followup"
    scheduled = True

    def due(
        self, session: Session, as_of: datetime, reminder_delays: tuple[int, ...]
    ) -> Iterator[Planned]:
        """Yield one message per contributor of every evaluation completed by `as_of`
        (once: the occurrence is the evaluation itself)."""
        for evaluation in completed_evaluations(session, as_of):
            key = f"{KIND}:evaluation{evaluation.id}"
            for contributor in sorted(evaluation.contributors, key=lambda c: c.contact_id):
                context = {"evaluation_id": evaluation.id}
                yield Planned(contributor.contact, KIND, key, evaluation.partnership, context)

    def context(self, session: Session, message: Message, cache: dict[Any, Any]) -> dict[str, Any]:
        evaluation_id = message.context["evaluation_id"]
        key = ("evaluation", evaluation_id)
        if key not in cache:
            cache[key] = evaluation_context(session.get_one(Evaluation, evaluation_id))
        return {"evaluation": cache[key]}

    def page_context(
        self, session: Session, message: Message, reader: Reader, values: dict[str, Any]
    ) -> dict[str, Any]:
        """What the evaluation found, in the reader's language, paragraph by paragraph: its
        conclusions, lessons and recommendations (empty lists for those it does not hold),
        and the link to its report ("" for none)."""
        evaluation = session.get_one(Evaluation, message.context["evaluation_id"])
        found = {
            part: paragraphs(localized(getattr(evaluation, part), reader.language))
            for part in ("conclusions", "lessons", "recommendations")
        }
        return {"evaluation": found | {"report_url": evaluation.report_url}}


def contributor_record(session: Session, as_of: datetime) -> list[dict[str, Any]]:
    """Return, for every contributor of each evaluation completed by `as_of`, whether the
    findings reached them (and if not, why) and how they engaged with this evaluation's
    message (by any channel: portal, reply, or entered by staff): when they answered,
    whether they join the discussion, what they said."""
    rows = []
    for evaluation in completed_evaluations(session, as_of):
        messages = messages_of_occurrence(session, f"{KIND}:evaluation{evaluation.id}")
        for contributor in sorted(evaluation.contributors, key=lambda c: c.contact_id):
            message = messages.get(contributor.contact_id)
            answer = (
                current_answer(session, message.id, contributor.contact_id) if message else None
            )
            rows.append(
                {
                    "evaluation": evaluation.id,
                    "partnership": evaluation.partnership.reference_number,
                    "contact": contributor.contact_id,
                    "contributor": contributor.contact.name,
                    "role": contributor.role,
                    "informed": informed(message),
                    "answered": f"{answer.received_at:%Y-%m-%d}" if answer else "",
                    "joins discussion": answer.answers.get("join_discussion", "") if answer else "",
                    "comment": redacted(answer.answers.get("comment", "") or answer.text)[:200]
                    if answer
                    else "",
                }
            )
    return rows


def informed(message: Message | None) -> str:
    """Return whether the findings reached the contributor: "sent on …", or the
    message's state and reason."""
    if message is None:
        return "not yet planned"
    if message.status == MessageStatus.SENT and message.sent_at is not None:
        return f"sent on {message.sent_at:%Y-%m-%d}"
    if not message.status_reason:
        return str(message.status)
    # A skipped message's reason is the contact's, whose suppression staff may have
    # explained in words naming them: only its kind goes out.
    skipped = message.status == MessageStatus.SKIPPED
    reason = reason_kind(message.status_reason) if skipped else redacted(message.status_reason)
    return f"{message.status}: {reason}"
