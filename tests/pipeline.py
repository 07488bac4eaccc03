"""Helpers for tests that drive the pipeline stages directly, without Prefect."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, joinedload

from db.engine import transaction
from db.models import Contact, Message, TouchpointKind
from tasks.outbox.drain import Drained
from tasks.outbox.planning import PlanCounts, plan_messages
from tasks.sending_window import parse_window
from tasks.touchpoints.registry import due_messages

ALWAYS_OPEN = parse_window("mon-sun 00:00-23:59")
# When the `checkins` fixture (tests/conftest.py) sends the sample check-ins.
SENT = datetime(2026, 12, 1, 12, tzinfo=UTC)


def plan(
    engine: Engine, kind: TouchpointKind, as_of: datetime, window=ALWAYS_OPEN, delays=(7, 14)
) -> PlanCounts:
    with transaction(engine) as session:
        return plan_messages(
            session, due_messages(session, kind, as_of, delays), None, as_of, window
        )


def messages(engine: Engine, **where) -> list[Message]:
    with transaction(engine) as session:
        query = (
            select(Message)
            .filter_by(**where)
            .options(
                joinedload(Message.contact).joinedload(Contact.partner),
                joinedload(Message.partnership),
            )
            .order_by(Message.id)
        )
        return list(session.scalars(query).unique())


def deliver_all(engine: Engine, kinds: list[TouchpointKind], at: datetime) -> Drained:
    """Deliver every message of `kinds` due at `at`, batch after batch (tasks/outbox/drain.py)."""
    from tasks.clock import Clock
    from tasks.outbox.deliver import deliver_batch
    from tasks.outbox.drain import drain
    from tasks.settings import get_settings

    return drain(lambda: deliver_batch(engine, get_settings(), kinds, Clock.at(at)))


def links_by_recipient(mails) -> dict[str, dict[str, str]]:
    """Return, per recipient address, the personal links found in the mail they got."""
    from email.utils import parseaddr

    found: dict[str, dict[str, str]] = {}
    for mail in mails:
        text = mail.get_body(("plain",)).get_content()
        words = text.split()
        found[parseaddr(mail["To"])[1]] = {
            "respond": next(w for w in words if "/r/" in w),
            "opt_out": next(w for w in words if "/opt-out/" in w),
            "message_id": mail["Message-ID"],
        }
    return found


SAMPLES_DIR = __import__("pathlib").Path(__file__).resolve().parent.parent / "samples" / "mail"


def sample_mail(
    name: str,
    message,
    secret: str = "s" * 48,
    sender: str = "UNICEF Partnerships <partnerships@example.org>",
) -> bytes:
    """Return a sample inbound mail answering (or bouncing) `message`, our outbox row."""
    from string import Template

    from tasks.responses.links import bounce_address, reply_address, unsubscribe_address

    text = (SAMPLES_DIR / name).read_bytes().decode("utf-8", "surrogateescape")
    filled = Template(text).safe_substitute(
        recipient=message.contact.email,
        message_id=message.message_id,
        reply_to=reply_address(secret, message.id, sender),
        bounce_to=bounce_address(secret, message.id, sender),
        unsubscribe_to=unsubscribe_address(secret, message.id, sender),
    )
    return filled.encode("utf-8", "surrogateescape")


def checkin_to(session: Session, email: str) -> Message:
    """Return the check-in sent to the contact at `email`."""
    found = session.scalars(
        select(Message).where(Message.kind == TouchpointKind.SUSTAINABILITY_CHECKIN)
    )
    return next(message for message in found if message.contact.email == email)


def reply(engine: Engine, email: str, text: str, at: datetime) -> int:
    """Record `text` as the contact's e-mail reply to its check-in; return the response id."""
    from tasks.responses.inbound import record_reply

    with transaction(engine) as session:
        return record_reply(session, checkin_to(session, email), text, "Re: suivi", at).id
