"""Recording what partners answer, whatever the channel, and what they ask (opt-out).

A token is good for one message only, while the message's answers are open (the token's
lifetime after sending); a reminder's token answers the message it reminds of.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from db.models import (
    Contact,
    Message,
    MessageStatus,
    Partnership,
    Response,
    ResponseChannel,
    TouchpointKind,
)
from db.responses import current_answer, message_by_token_hash, retire_influence_entries
from tasks.acknowledgements import decide
from tasks.corrective import report_status
from tasks.forms import AcknowledgementAnswers, Answers, CheckinAnswers, MeasureAnswers
from tasks.influence import register
from tasks.links import token_hash

ANSWERABLE_STATUSES = frozenset({MessageStatus.SENT, MessageStatus.BOUNCED})


@dataclass(frozen=True)
class Answerable:
    """What a valid token opens: the message answered, who answers, until when."""

    message: Message
    contact: Contact
    partnership: Partnership | None
    kind: TouchpointKind
    language: str
    closes_at: datetime


def answerable(
    session: Session, token: str, now: datetime, lifetime: timedelta
) -> Answerable | None:
    """Return what `token` opens at `now`, or None when it is unknown, for a message never
    sent, or expired (the caller shows all three the same way)."""
    if not token or len(token) > 128:
        return None
    message = message_by_token_hash(session, token_hash(token))
    if message is None or message.status not in ANSWERABLE_STATUSES or message.sent_at is None:
        return None
    closes_at = message.sent_at + lifetime
    if now >= closes_at:
        return None
    original = message.reminder_of or message
    return Answerable(
        message=original,
        contact=message.contact,
        partnership=original.partnership,
        kind=TouchpointKind(original.kind),
        language=message.language,
        closes_at=closes_at,
    )


@dataclass(frozen=True)
class Answering:
    """Who answers what: the contact, the partnership, the touchpoint, and the message the
    answer closes (None for an answer staff enter with no message sent)."""

    contact: Contact
    partnership: Partnership | None
    kind: TouchpointKind
    message: Message | None = None

    @classmethod
    def opened_by(cls, opened: Answerable) -> Answering:
        return cls(opened.contact, opened.partnership, opened.kind, opened.message)


def record_answer(
    session: Session,
    who: Answering,
    answers: Answers,
    channel: ResponseChannel,
    now: datetime,
    text: str = "",
    recorded_by: str = "",
) -> Response:
    """Record `answers` as the contact's current answer; an earlier one is kept, marked
    superseded. Check-in supporters go into the partnership's register."""
    message_id = who.message.id if who.message else None
    previous = current_answer(session, message_id, who.contact.id) if message_id else None
    if previous is not None:
        previous.superseded_at = now
        retire_influence_entries(session, previous.id)
    response = Response(
        message_id=message_id,
        contact_id=who.contact.id,
        partnership_id=who.partnership.id if who.partnership else None,
        channel=channel,
        kind=str(who.kind),
        received_at=now,
        answers=answers.model_dump(mode="json"),
        text=text,
        revision=previous.revision + 1 if previous else 1,
        recorded_by=recorded_by,
    )
    session.add(response)
    session.flush()
    who.contact.heard_from()
    if isinstance(answers, CheckinAnswers) and who.partnership is not None:
        register_supporters(session, who.partnership.id, answers, response.id)
    if isinstance(answers, MeasureAnswers) and who.message is not None:
        measure_id = who.message.context["measure_id"]
        report_status(session, measure_id, answers.status, answers.comment, who.contact, now)
    if isinstance(answers, AcknowledgementAnswers) and who.message is not None:
        decide(session, who.message.context, answers, who.contact, now)
    return response


def register_supporters(
    session: Session, partnership_id: int, answers: CheckinAnswers, response_id: int
) -> None:
    for supporter in answers.supporters:
        register(
            session,
            partnership_id,
            supporter.name,
            supporter.kind,
            supporter.role,
            "check-in",
            response_id,
        )


def opt_out(
    session: Session,
    contact: Contact,
    now: datetime,
    channel: ResponseChannel,
    message: Message | None,
) -> bool:
    """Opt the contact out of every flow; return False if they already were. The request
    is logged as a response of kind "opt_out"."""
    if contact.opted_out_at is not None:
        return False
    contact.opted_out_at = now
    session.add(
        Response(
            message_id=message.id if message else None,
            contact_id=contact.id,
            partnership_id=message.partnership_id if message else None,
            channel=channel,
            kind="opt_out",
            received_at=now,
        )
    )
    return True


def answer_summary(answers: dict[str, Any]) -> list[tuple[str, Any]]:
    """Return the filled answers as (field, value) pairs, for the thank-you page."""
    return [(name, value) for name, value in answers.items() if value not in ("", [], None)]
