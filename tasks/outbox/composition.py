"""Composing a claimed message for its hand-over, or the verdict that it is not to go now:
its contact unreachable, outside their working hours, no route to their address, or it
does not compose."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from db.models import Message
from db.outbox import RowWrites
from db.outbox_decisions import RELEASED_NOW
from tasks.calendars import calendars_in
from tasks.clock import Clock
from tasks.mail.addresses import Unroutable, routed
from tasks.mail.transport import TemporaryFailure, Transport
from tasks.outbox.compose import mime_bytes, render_message
from tasks.outbox.outcomes import defer, fail, retry, skip
from tasks.outbox.render import RenderedEmail, RenderError, environment
from tasks.responses.links import new_token
from tasks.sending_window import wait_for_window
from tasks.settings import Settings

# What to record for a message that is not to be sent now (skipped, deferred, failed).
Verdict = Callable[[RowWrites], str]


@dataclass(frozen=True)
class Composed:
    """A message ready to hand over: its token, its rendered text, its bytes and its
    recipient as its headers name them (UTF-8 only by a route that takes it)."""

    message: Message
    token: str
    rendered: RenderedEmail
    data: bytes
    recipient: str


def composition(
    session: Session,
    message: Message,
    settings: Settings,
    clock: Clock,
    cache: dict[Any, Any],
    transport: Transport,
) -> Composed | Verdict:
    """Return `message` composed with a new token, or the verdict to record when it is not
    to be sent now (contact unreachable, outside their window, no route to their address,
    does not compose). Writes nothing: the message before may still be waiting for its
    answer.

    Staff's "release now" sets the window aside for this one delivery attempt: whatever
    it decides (sent, failed, retried after a backoff, skipped) drops the mark, with the
    verdict or with the hand-over (`spend_release`). A retry minutes later waits for the
    window again, as every later attempt does: "now" is never stretched to 03:00 local
    days later; staff release it again if it must still go at once."""
    step = _composed_or_verdict(session, message, settings, clock, cache, transport)
    if isinstance(step, Composed) or RELEASED_NOW not in message.context:
        return step
    return partial(_spending, step, message)


def spend_release(writes: RowWrites, message: Message) -> None:
    """Drop staff's "release now" from `message`, written with its next write: the window
    was set aside for the attempt being decided only. Nothing when it has none."""
    if RELEASED_NOW in message.context:
        left = {key: value for key, value in message.context.items() if key != RELEASED_NOW}
        writes.set(message, context=left)


def _spending(verdict: Verdict, message: Message, writes: RowWrites) -> str:
    spend_release(writes, message)
    return verdict(writes)


def _composed_or_verdict(
    session: Session,
    message: Message,
    settings: Settings,
    clock: Clock,
    cache: dict[Any, Any],
    transport: Transport,
) -> Composed | Verdict:
    now = clock.now()
    if reason := message.contact.unreachable_reason():
        return partial(skip, message=message, reason=reason)
    contact = message.contact
    calendar = calendars_in(cache, session).of(contact.partner.country)
    # Staff released it "now" (tasks/outbox/releases.py): the window is set aside.
    if RELEASED_NOW not in message.context and (
        wait := wait_for_window(now, contact.local_time_zone, settings.window, calendar)
    ):
        return partial(defer, message=message, wait=wait)
    recipient = _recipient(message, transport, settings, now)
    if not isinstance(recipient, str):
        return recipient
    token = new_token()
    try:
        rendered = render_message(session, environment(), message, settings, token, cache, now)
        data = mime_bytes(message, rendered, settings, token, now, recipient)
    except (RenderError, ValueError) as error:
        return partial(fail, message=message, reason=f"could not compose the message: {error}")
    return Composed(message, token, rendered, data, recipient)


def _recipient(
    message: Message, transport: Transport, settings: Settings, now: datetime
) -> str | Verdict:
    """Return the contact's address as the message's headers will name it, or the verdict
    when it cannot go by this transport: failed for good (a domain that is not IDNA 2008,
    a non-ASCII local part and no SMTPUTF8), retried when the relay cannot be asked."""
    try:
        return routed(message.contact.email or "", transport.accepts_utf8)
    except Unroutable as error:
        return partial(fail, message=message, reason=str(error))
    except TemporaryFailure as error:
        limit = settings.max_attempts
        return partial(retry, message=message, reason=error.reason, now=now, limit=limit)
