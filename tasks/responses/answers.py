"""Recording what partners answer, whatever the channel, and what they ask (opt-out).

A token is good for one message only, while the message's answers are open (the token's
lifetime after sending, or less where the kind closes answers sooner: an invitation's at
its RSVP deadline); a reminder's token answers the message it reminds of. Its opt-out
link lasts longer (`CONTINUITY_OPT_OUT_DAYS`). Both work for every message that may have
reached the partner: sent, bounced, or handed to the mail server with no answer known
(`unconfirmed`), counted from the hand-off when it was never confirmed sent.
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
from db.partner_messages import copy_notices
from db.responses import (
    current_answers,
    last_revision,
    lock_answers_to,
    message_by_token_hash,
    retire_influence_entries,
)
from tasks.responses.forms import Answers
from tasks.responses.links import token_hash
from tasks.touchpoints.registry import touchpoint

# Every status of a message that may have reached its recipient.
REACHED_STATUSES = frozenset({MessageStatus.SENT, MessageStatus.BOUNCED, MessageStatus.UNCONFIRMED})
MAX_TOKEN_LENGTH = 128


@dataclass(frozen=True)
class Answerable:
    """What a valid token opens: the message answered, who answers, until when."""

    message: Message
    contact: Contact
    partnership: Partnership | None
    kind: TouchpointKind
    closes_at: datetime


def reached(session: Session, token: str, now: datetime, lifetime: timedelta) -> Message | None:
    """Return the message whose token is `token` when it may have reached its recipient
    and was handed over less than `lifetime` before `now`; else None (unknown, never
    handed over, expired, or to a contact since erased: the caller shows all alike)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    message = message_by_token_hash(session, token_hash(token))
    if message is None or message.status not in REACHED_STATUSES:
        return None
    if message.contact.erased_at is not None:
        return None
    went = went_out(message)
    if went is None or now >= went + lifetime:
        return None
    return message


def went_out(message: Message) -> datetime | None:
    """Return when the message was sent, else when it was handed to the mail server (an
    unconfirmed message), else None."""
    return message.sent_at or message.handoff_at


def answerable(
    session: Session, token: str, now: datetime, lifetime: timedelta
) -> Answerable | None:
    """Return what `token` opens at `now`, or None when it is unknown, for a message that
    never went out, expired, or whose answers closed sooner (an invitation's RSVP
    deadline passed): the caller shows all alike."""
    message = reached(session, token, now, lifetime)
    went = went_out(message) if message else None
    if message is None or went is None:
        return None
    original = message.reminder_of or message
    kind = TouchpointKind(original.kind)
    closes_at = touchpoint(kind).answers_close(session, original, went + lifetime)
    if now >= closes_at:
        return None
    return Answerable(
        message=original,
        contact=message.contact,
        partnership=original.partnership,
        kind=kind,
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
    """Record `answers` as the contact's current answer and return it. Every answer it
    replaces (an earlier revision, e-mail replies since) is kept, marked superseded; the
    revision number follows the highest so far. Answers to one message are recorded one
    at a time (the message's row is locked first), so concurrent posts each become a
    revision, never two current answers. Then the answer does what its touchpoint says
    (check-in supporters go into the partnership's register, a measure's status into its
    plan, a decision on an acknowledgement into its consent...)."""
    message_id = who.message.id if who.message else None
    revision, replaced = 1, []
    if message_id is not None:
        lock_answers_to(session, message_id)
        replaced = current_answers(session, message_id, who.contact.id)
        for previous in replaced:
            previous.superseded_at = now
            retire_influence_entries(session, previous.id)
        revision = last_revision(session, message_id, who.contact.id) + 1
    response = Response(
        message_id=message_id,
        contact_id=who.contact.id,
        partnership_id=who.partnership.id if who.partnership else None,
        channel=channel,
        kind=str(who.kind),
        received_at=now,
        answers=answers.model_dump(mode="json"),
        text=text,
        revision=revision,
        recorded_by=recorded_by,
    )
    session.add(response)
    session.flush()
    keep_handling(session, replaced, response)
    who.contact.heard_from()
    touchpoint(who.kind).answered(session, response, answers, now)
    return response


def keep_handling(session: Session, replaced: list[Response], response: Response) -> None:
    """A revision that says in words what the form answer it replaces said keeps that
    answer's handling and notices: correcting a capacity level does not send the same
    news to focal points again, nor undo what staff did with it."""
    for previous in replaced:
        if previous.channel != ResponseChannel.EMAIL and previous.words == response.words:
            response.handled_at = previous.handled_at
            response.handled_by, response.handled_note = previous.handled_by, previous.handled_note
            copy_notices(session, previous.id, response.id)


def opt_out(
    session: Session,
    contact: Contact,
    now: datetime,
    channel: ResponseChannel,
    message: Message | None,
) -> bool:
    """Opt the contact out of every flow; return False if they already were. The request
    is logged as a response of kind "opt_out"."""
    if not contact.opt_out(now):
        return False
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
