"""The deliver stage: claim a batch, hand each message to the transport, record the answer.

A message's row says how far it got: `sending` (claimed, committed) → handed over
(`handoff_at` set and committed just before the transport is called) → `sent` with the
server's reply, or back to `planned` with a backoff, or `failed`. That answer is committed
with the next message's hand-off, so a batch costs one commit per message.

Rows a stopped process left in `sending` are resolved by the documented policy in
tasks/interruptions.py; a lost database connection is handled there too.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from continuity.settings import Settings
from db.engine import for_writing, session_factory, transaction
from db.models import Message, MessageStatus, TouchpointKind
from db.outbox import RowWrites, claim_batch, messages_with_recipients
from tasks.compose import envelope_sender, mime_bytes, render_message
from tasks.interruptions import LEASE, save_progress, save_progress_or_log
from tasks.links import new_token, rfc_message_id, token_hash
from tasks.pacing import Pacer
from tasks.privacy import redacted
from tasks.render import RenderedEmail, RenderError, environment
from tasks.sending_window import is_quiet_hour, next_window_start
from tasks.transport import (
    PermanentFailure,
    TemporaryFailure,
    Transport,
    UncertainDelivery,
    open_transport,
)

BACKOFF_MINUTES = (1, 5, 15, 60, 180, 360, 720, 1440)
CONSECUTIVE_FAILURE_LIMIT = 10
Clock = Callable[[], datetime]


@dataclass
class BatchOutcome:
    claimed: int = 0
    by_outcome: Counter[str] = field(default_factory=Counter)
    stopped: str | None = None
    database_error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        summary = {"claimed": self.claimed, **self.by_outcome, "stopped": self.stopped}
        return summary | ({"database_error": self.database_error} if self.database_error else {})


def backoff(attempts: int) -> timedelta:
    """Return how long to wait before attempt `attempts + 1`."""
    return timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def batch_limit(settings: Settings) -> int:
    """Return the batch size, capped so a rate-limited batch ends well within the lease."""
    if not settings.rate_limit:
        return settings.batch_size
    return max(1, min(settings.batch_size, settings.rate_limit * 5))


def deliver_batch(
    engine: Engine,
    settings: Settings,
    kinds: Iterable[TouchpointKind],
    clock: Clock,
    pacer: Pacer | None = None,
    campaign_id: int | None = None,
) -> BatchOutcome:
    """Claim one batch of due messages of `kinds` (of one campaign, if given) and deliver
    it over one connection."""
    engine, claim = for_writing(engine), secrets.token_hex(16)
    with transaction(engine) as session:
        ids = claim_batch(session, kinds, clock(), batch_limit(settings), campaign_id, claim)
    outcome = BatchOutcome(claimed=len(ids))
    if not ids:
        return outcome
    session, writes = session_factory(engine)(), RowWrites()
    try:
        messages = messages_with_recipients(session, ids)
        session.commit()  # releases SQLite's write lock while the first message renders
        with open_transport(settings.mail_url, settings.smtp_timeout) as transport:
            _deliver_all(session, writes, messages, transport, settings, clock, pacer, outcome)
            writes.commit(session)
    except OperationalError as error:
        # The connection was lost or the database stayed locked: save what is known on
        # a new connection and let the next batch carry on.
        session.close()
        outcome.by_outcome.update(save_progress(engine, writes, ids, claim))
        outcome.by_outcome["database_errors"] += 1
        outcome.database_error = redacted(str(error.orig or error))[:500]
    except BaseException:
        session.close()
        save_progress_or_log(engine, writes, ids, claim)
        raise
    finally:
        session.close()
    return outcome


def _deliver_all(
    session: Session,
    writes: RowWrites,
    messages: list[Message],
    transport: Transport,
    settings: Settings,
    clock: Clock,
    pacer: Pacer | None,
    outcome: BatchOutcome,
) -> None:
    """Deliver `messages` in order; each answer is written with the next hand-off (one
    commit per message), the last ones by the caller."""
    cache: dict[Any, Any] = {}
    failures_in_a_row = 0
    deadline = time.monotonic() + LEASE.total_seconds() / 2
    for position, message in enumerate(messages):
        result = deliver_one(session, writes, message, transport, settings, clock, pacer, cache)
        outcome.by_outcome[result] += 1
        failures_in_a_row = failures_in_a_row + 1 if result == "retry" else 0
        if result == "lost":
            outcome.stopped = "the batch outlived its lease: another delivery holds its rows"
        elif failures_in_a_row >= CONSECUTIVE_FAILURE_LIMIT:
            last_error = redacted(message.last_error or "")
            outcome.stopped = f"{failures_in_a_row} temporary failures in a row: {last_error}"
        elif time.monotonic() > deadline:
            outcome.stopped = "the batch ran for half its lease; the rest waits for the next"
        if outcome.stopped:
            outcome.by_outcome["released"] += release(writes, messages[position + 1 :], clock())
            return


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


def deliver_one(
    session: Session,
    writes: RowWrites,
    message: Message,
    transport: Transport,
    settings: Settings,
    clock: Clock,
    pacer: Pacer | None,
    cache: dict[Any, Any],
) -> str:
    """Take one claimed message as far as it goes; return "sent", "retry", "failed",
    "unconfirmed", "deferred", "skipped" or "lost" (another delivery holds it now). The
    hand-off is committed before the transport is called, with the answers of the
    messages before it; the caller writes and commits the rest."""
    now = clock()
    if reason := message.contact.unreachable_reason():
        return skip(writes, message, reason)
    time_zone = message.contact.partner.time_zone
    if is_quiet_hour(now, time_zone, settings.window):
        return defer(writes, message, next_window_start(now, time_zone, settings.window))
    token = new_token()
    try:
        rendered = render_message(session, environment(), message, settings, token, cache)
        data = mime_bytes(message, rendered, settings, token, now)
    except (RenderError, ValueError) as error:
        return fail(writes, message, f"could not compose the message: {error}")
    if not hand_over(session, writes, message, settings, token, rendered, now):
        return "lost"
    if pacer:
        pacer.wait()
    try:
        reply = transport.send(
            envelope_sender(message, settings), message.contact.email or "", data
        )
    except PermanentFailure as error:
        return fail(writes, message, error.reason)
    except UncertainDelivery as error:
        return unconfirm(writes, message, error.reason)
    except TemporaryFailure as error:
        return retry(writes, message, error.reason, clock(), settings.max_attempts)
    writes.set(
        message,
        status=MessageStatus.SENT,
        sent_at=clock(),
        server_reply=reply[:1000],
        status_reason=None,
    )
    return "sent"


def hand_over(
    session: Session,
    writes: RowWrites,
    message: Message,
    settings: Settings,
    token: str,
    rendered: RenderedEmail,
    now: datetime,
) -> bool:
    """Commit that `message` is about to go to the mail server, with what identifies it;
    return False if its row is no longer this delivery's (it must not be sent)."""
    secret = settings.required_secret_key()
    writes.set(
        message,
        token_hash=token_hash(token),
        message_id=rfc_message_id(secret, message.id, settings.sender),
        subject=rendered.subject[:300],
        language=rendered.language,
        handoff_at=now,
    )
    return writes.commit(session, must_hold=message)


def defer(writes: RowWrites, message: Message, until: datetime) -> str:
    writes.set(
        message,
        status=MessageStatus.PLANNED,
        attempts=max(0, message.attempts - 1),
        due_at=until,
        status_reason="deferred to the recipient's sending window",
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
