"""The deliver stage: claim a batch, hand each message to the transport, record the answer.

A message's row says how far it got: `sending` (claimed, committed) → handed over
(`handoff_at` set and committed just before the transport is called) → `sent` with the
server's reply, or back to `planned` with a backoff, or `failed`. That answer is committed
with the next message's hand-off, so a batch costs one commit per message.

The next message is composed (rendered, its bytes built) while the server takes in the one
before, but it is handed over only once that one's answer is known: at most one message is
ever on the wire, so a killed delivery leaves at most one in doubt.

Rows a stopped process left in `sending` are resolved by the documented policy in
tasks/interruptions.py; a lost database connection is handled there too.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from db.contacts import is_erased
from db.engine import for_writing, transaction
from db.models import Message, MessageStatus, TouchpointKind
from db.outbox import RowWrites, claim_batch, messages_with_recipients
from tasks.calendars import Calendars
from tasks.clock import Clock
from tasks.mail.addresses import ascii_domain
from tasks.mail.transport import (
    PermanentFailure,
    Submission,
    TemporaryFailure,
    Transport,
    UncertainDelivery,
    open_transport,
)
from tasks.outbox.compose import envelope_sender
from tasks.outbox.composition import Composed, composition, spend_release
from tasks.outbox.lanes import Tally, lane_connection, lane_count, split_into_lanes
from tasks.outbox.outcomes import fail, release, retry, skip, unconfirm
from tasks.outbox.pacing import Pacer
from tasks.outbox.recovery import LEASE, save_progress, save_progress_or_log
from tasks.privacy import redacted
from tasks.responses.links import rfc_message_id, token_hash
from tasks.settings import Settings


@dataclass
class BatchOutcome:
    claimed: int = 0
    by_outcome: Counter[str] = field(default_factory=Counter)
    stopped: str | None = None
    database_error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        summary = {"claimed": self.claimed, **self.by_outcome, "stopped": self.stopped}
        return summary | ({"database_error": self.database_error} if self.database_error else {})

    @classmethod
    def merged(cls, lanes: list[BatchOutcome]) -> BatchOutcome:
        """Return the outcome of a batch delivered in `lanes`: their counts added, the
        first reason a lane stopped and the first database error."""
        outcome = cls(claimed=sum(lane.claimed for lane in lanes))
        for lane in lanes:
            outcome.by_outcome.update(lane.by_outcome)
            outcome.stopped = outcome.stopped or lane.stopped
            outcome.database_error = outcome.database_error or lane.database_error
        return outcome


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
    it over `lane_count` SMTP connections side by side, each lane with its own database
    connection, so that their hand-overs commit together; return what became of it."""
    engine, claim = for_writing(engine), secrets.token_hex(16)
    with transaction(engine) as session:
        ids = claim_batch(session, kinds, clock.now(), batch_limit(settings), campaign_id, claim)
    lanes = split_into_lanes(ids, lane_count(engine, settings))
    deadline, halt = time.monotonic() + LEASE.total_seconds() / 2, threading.Event()
    deliver = partial(_deliver_lane, engine, settings, clock, pacer, claim, deadline, halt)
    if len(lanes) <= 1:
        return BatchOutcome.merged([deliver(lane) for lane in lanes])
    with ThreadPoolExecutor(len(lanes), thread_name_prefix="smtp-lane") as pool:
        futures = [pool.submit(deliver, lane) for lane in lanes]
        try:
            wait(futures)
        except BaseException:  # interrupted: every lane stops after the message in hand
            halt.set()
            raise
    if failed := [error for future in futures if (error := future.exception())]:
        raise failed[0]
    return BatchOutcome.merged([future.result() for future in futures])


def _deliver_lane(
    engine: Engine,
    settings: Settings,
    clock: Clock,
    pacer: Pacer | None,
    claim: str,
    deadline: float,
    halt: threading.Event,
    ids: list[int],
) -> BatchOutcome:
    """Deliver the claimed messages `ids` in order over one SMTP connection and one
    database connection until `deadline` or until another lane sets `halt`; return what
    became of them."""
    outcome = BatchOutcome(claimed=len(ids))
    # One connection for the whole lane: checking one out of the pool and back for each
    # message's commit cost more than the commit itself.
    connection = lane_connection(engine)
    session, writes = Session(connection, expire_on_commit=False), RowWrites()
    try:
        messages = messages_with_recipients(session, ids)
        # Read now: a read after the commit would take SQLite's write lock mid-batch.
        cache = {Calendars: Calendars(session).load(m.contact.partner.country for m in messages)}
        session.commit()  # releases SQLite's write lock while the first message renders
        with open_transport(settings.mail_url, settings.smtp_timeout) as transport:
            tally = Tally(outcome, deadline, halt)
            _deliver_all(session, writes, messages, transport, settings, clock, pacer, tally, cache)
            writes.commit(session)
    except OperationalError as error:
        # The connection was lost or the database stayed locked: save what is known on
        # a new connection and let the next batch carry on.
        _close(session, connection)
        outcome.by_outcome.update(save_progress(engine, writes, ids, claim))
        outcome.by_outcome["database_errors"] += 1
        outcome.database_error = redacted(str(error.orig or error))[:500]
    except BaseException:
        halt.set()  # the other lanes stop after the message in hand
        _close(session, connection)
        save_progress_or_log(engine, writes, ids, claim)
        raise
    finally:
        _close(session, connection)
    return outcome


def _close(session: Session, connection: Connection) -> None:
    """Close the batch's session and give its connection back (invalidated if it broke)."""
    try:
        session.close()
    finally:
        connection.close()


def _deliver_all(
    session: Session,
    writes: RowWrites,
    messages: list[Message],
    transport: Transport,
    settings: Settings,
    clock: Clock,
    pacer: Pacer | None,
    tally: Tally,
    cache: dict[Any, Any],
) -> None:
    """Deliver `messages` in order, each composed while the one before is with the server;
    each answer is written with the next hand-off (one commit per message), the last ones
    by the caller. `cache` holds what the batch's messages share (contexts, calendars)."""
    outcome = tally.outcome
    in_flight: tuple[Message, Submission] | None = None
    for position, message in enumerate(messages):
        try:
            step = composition(session, message, settings, clock, cache, transport)
        except BaseException:
            if in_flight:  # its answer is on its way: record it rather than leave it in doubt
                answered(writes, *in_flight, settings, clock)
            raise
        if in_flight:
            stops = tally.stops(answered(writes, *in_flight, settings, clock), in_flight[0])
            in_flight = None
            if stops:
                outcome.by_outcome["released"] += release(writes, messages[position:], clock.now())
                return
        if isinstance(step, Composed):
            submission = submitted(session, writes, step, transport, settings, clock, pacer)
            if submission is not None:
                in_flight = (message, submission)
                continue
            # Refused: another delivery holds the row, or the contact was erased since
            # the batch loaded it (the batch goes on; the erasure skipped the message).
            erased = is_erased(session, message.contact_id)
            session.commit()  # the read began a write transaction: let SQLite's lock go
            result = skip(writes, message, "erased") if erased else "lost"
        else:
            result = step(writes)
        if tally.stops(result, message):
            outcome.by_outcome["released"] += release(writes, messages[position + 1 :], clock.now())
            return
    if in_flight:
        tally.stops(answered(writes, *in_flight, settings, clock), in_flight[0])


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
    step = composition(session, message, settings, clock, cache, transport)
    if not isinstance(step, Composed):
        return step(writes)
    submission = submitted(session, writes, step, transport, settings, clock, pacer)
    return answered(writes, message, submission, settings, clock) if submission else "lost"


def submitted(
    session: Session,
    writes: RowWrites,
    composed: Composed,
    transport: Transport,
    settings: Settings,
    clock: Clock,
    pacer: Pacer | None,
) -> Submission | None:
    """Commit the hand-off of `composed`, then write it to the transport; return None,
    sending nothing, when its row is no longer this delivery's. The rate limit's wait
    comes first: a worker killed while it waits leaves nothing more in doubt. The
    envelope's first command travels while the hand-off commits: a message is delivered
    only once its data ends, written after the commit."""
    if pacer:
        pacer.wait()
    # The envelope names the domain in ASCII whatever the route: what DNS and relays know.
    recipient, utf8 = ascii_domain(composed.recipient), not composed.recipient.isascii()
    sender = envelope_sender(composed.message, settings)
    transport.announce(sender, recipient, utf8)
    if not hand_over(session, writes, composed, settings, clock.now()):
        transport.withdraw()
        return None
    return transport.submit(sender, recipient, composed.data, utf8)


def answered(
    writes: RowWrites, message: Message, submission: Submission, settings: Settings, clock: Clock
) -> str:
    """Record the transport's answer for `message`; return "sent", "retry", "failed" or
    "unconfirmed"."""
    try:
        reply = submission.answer()
    except PermanentFailure as error:
        return fail(writes, message, error.reason)
    except UncertainDelivery as error:
        return unconfirm(writes, message, error.reason)
    except TemporaryFailure as error:
        return retry(writes, message, error.reason, clock.now(), settings.max_attempts)
    writes.set(
        message,
        status=MessageStatus.SENT,
        sent_at=clock.now(),
        server_reply=reply[:1000],
        status_reason=None,
    )
    return "sent"


def hand_over(
    session: Session, writes: RowWrites, composed: Composed, settings: Settings, now: datetime
) -> bool:
    """Commit that the composed message is about to go to the mail server, with what
    identifies it; return False if its row is no longer this delivery's (it must not be
    sent)."""
    message, rendered = composed.message, composed.rendered
    secret = settings.required_secret_key()
    spend_release(writes, message)  # whatever the server answers, "now" is spent
    writes.set(
        message,
        token_hash=token_hash(composed.token),
        message_id=rfc_message_id(secret, message.id, settings.sender),
        subject=rendered.subject[:300],
        language=rendered.language,
        handoff_at=now,
    )
    return writes.commit(session, must_hold=message)
