"""Reminders: messages of the reminded kinds (check-ins, invitations, acknowledgement
requests) still unanswered after N days get a reminder that threads with the original
(In-Reply-To), at most one per configured delay, while the original still asks something."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from db.models import Message, TouchpointKind
from db.reminders import reminders_of, unanswered
from tasks.outbox.planning import Planned
from tasks.responses.forms import Answers
from tasks.touchpoints.touchpoint import Touchpoint

KIND = TouchpointKind.REMINDER


def next_reminder_number(
    original: Message, earlier: list[Message], delays: tuple[int, ...], as_of: datetime
) -> int | None:
    """Return which reminder (1, 2, …) is due for `original` at `as_of`, or None.

    Reminder n is due `delays[n-1]` days after the original went out, and never sooner
    after reminder n-1 than the gap between the two delays: after downtime the reminders
    still come one at a time.
    """
    number = len(earlier) + 1
    if number > len(delays) or original.sent_at is None:
        return None
    if original.sent_at + timedelta(days=delays[number - 1]) > as_of:
        return None
    if earlier:
        gap = timedelta(days=delays[number - 1] - delays[number - 2])
        if earlier[-1].created_at + gap > as_of:
            return None
    return number


class Reminder(Touchpoint[Answers]):
    """Reminds of the messages of the touchpoints `of()` returns (the registry's reminded
    ones); the answer goes to the original, through the reminder's own link."""

    kind = KIND
    scheduled = True

    def __init__(self, of: Callable[[], Iterable[Touchpoint[Any]]]) -> None:
        self.of = of

    def due(
        self, session: Session, as_of: datetime, reminder_delays: tuple[int, ...]
    ) -> Iterator[Planned]:
        """Yield the reminders due at `as_of` for unanswered messages of the reminded
        kinds that still ask something."""
        if not reminder_delays:
            return
        reminded = {touchpoint.kind: touchpoint for touchpoint in self.of()}
        window_start = as_of - timedelta(days=reminder_delays[-1] + 60)
        last_sent = as_of - timedelta(days=reminder_delays[0])
        originals = unanswered(session, list(reminded), window_start, last_sent)
        earlier = reminders_of(session, [original.id for original in originals])
        for original in originals:
            before = earlier.get(original.id, [])
            number = next_reminder_number(original, before, reminder_delays, as_of)
            if number is None or not reminded[original.kind].still_asks(session, original, as_of):
                continue
            yield Planned(
                contact=original.contact,
                kind=KIND,
                occurrence_key=f"{KIND}:message{original.id}:{number}",
                partnership=original.partnership,
                context={"original_id": original.id, "number": number},
                in_reply_to=original.message_id,
                reminder_of_id=original.id,
            )

    def context(self, session: Session, message: Message, cache: dict[Any, Any]) -> dict[str, Any]:
        original = session.get_one(Message, message.context["original_id"])
        return {
            "original": {
                "kind": str(original.kind),
                "subject": original.subject or "",
                "sent_at": original.sent_at,
            },
            "reminder": {"number": message.context["number"]},
        }
