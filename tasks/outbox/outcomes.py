"""What a delivery writes for a message that did not simply go out: retried after a
backoff, failed, in doubt, skipped, deferred to the sending window, or released untried.

Each function writes through `RowWrites` (committed with the next hand-off) and returns
the outcome's name, as the batch counts it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from db.models import Message, MessageStatus
from db.outbox import RowWrites
from tasks.sending_window import Wait

BACKOFF_MINUTES = (1, 5, 15, 60, 180, 360, 720, 1440)


def backoff(attempts: int) -> timedelta:
    """Return how long to wait before attempt `attempts + 1`."""
    return timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def release(writes: RowWrites, messages: list[Message], now: datetime) -> int:
    """Put claimed messages that were never tried back to planned, without an attempt."""
    for message in messages:
        writes.set(
            message,
            status=MessageStatus.PLANNED,
            attempts=max(0, message.attempts - 1),
            due_at=now + backoff(1),
            status_reason="released: delivery stopped after repeated server failures",
        )
    return len(messages)


def defer(writes: RowWrites, message: Message, wait: Wait) -> str:
    """Plan the message again for when the recipient's window opens, saying why it waits
    ("Friday is a weekend day in Yemen; deferred to 2025-06-15 09:00 Asia/Aden")."""
    writes.set(
        message,
        status=MessageStatus.PLANNED,
        attempts=max(0, message.attempts - 1),
        due_at=wait.until,
        status_reason=str(wait)[:2000],
    )
    return "deferred"


def skip(writes: RowWrites, message: Message, reason: str) -> str:
    """The contact opted out, was suppressed or deactivated after the message was planned."""
    writes.set(message, status=MessageStatus.SKIPPED, status_reason=reason)
    return "skipped"


def fail(writes: RowWrites, message: Message, reason: str) -> str:
    writes.set(
        message,
        status=MessageStatus.FAILED,
        last_error=reason[:2000],
        status_reason=reason[:2000],
        handoff_at=None,
    )
    return "failed"


def unconfirm(writes: RowWrites, message: Message, reason: str) -> str:
    """The server may have accepted it: keep it out of the outbox until staff decide."""
    writes.set(
        message,
        status=MessageStatus.UNCONFIRMED,
        last_error=reason[:2000],
        status_reason=(
            f"{reason[:1500]}; not resent, to avoid a duplicate"
            " (requeue it with `continuity outbox requeue`)"
        ),
    )
    return "unconfirmed"


def retry(writes: RowWrites, message: Message, reason: str, now: datetime, limit: int) -> str:
    """Plan the message again after a backoff, or fail it once `limit` attempts are used."""
    if message.attempts >= limit:
        return fail(writes, message, f"gave up after {message.attempts} attempts: {reason}")
    due_at = now + backoff(message.attempts)
    writes.set(
        message,
        status=MessageStatus.PLANNED,
        due_at=due_at,
        handoff_at=None,
        last_error=reason[:2000],
        status_reason=f"temporary failure, retrying at {due_at:%Y-%m-%d %H:%M} UTC",
    )
    return "retry"
