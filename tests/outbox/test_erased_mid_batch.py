"""A delivery batch loads its contacts once: a person erased while it runs must get
nothing, and nothing of the hand-over (token, subject, Message-ID) may be written back
onto their scrubbed message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from db.engine import transaction
from db.models import Contact, Message, MessageStatus, TouchpointKind
from tasks.clock import Clock
from tasks.outbox.deliver import deliver_batch
from tasks.people.erasure import erase
from tasks.people.person import find_person
from tasks.settings import get_settings
from tests.pipeline import messages, plan

CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def planned(imported: Engine, app_env) -> Engine:
    plan(imported, CHECKIN, NOW)
    return imported


def erasing(session: Session, message: Message) -> None:
    """Erase the person as staff do (their unsent messages are skipped)."""
    person = find_person(session, str(message.contact_id))
    erase(session, person, "asked by phone", "staff", NOW, "s" * 48)


def marking(session: Session, message: Message) -> None:
    """Mark the contact erased and nothing else: the hand-over's own guard must hold."""
    session.execute(update(Contact).where(Contact.id == message.contact_id).values(erased_at=NOW))


@pytest.mark.parametrize("erasure", [erasing, marking], ids=["erase", "erased-mark"])
def test_a_person_erased_while_the_batch_runs_gets_nothing(
    planned: Engine, outbox, monkeypatch, erasure: Callable[[Session, Message], None]
) -> None:
    from tasks.outbox import composition as composition_module

    real_render = composition_module.render_message
    erased: list[int] = []
    addresses: list[str] = []

    def erased_while_rendering(session, environment, message, *args, **kwargs):
        if not erased:
            erased.append(message.id)
            addresses.append(message.contact.email)
            with transaction(planned) as other:
                erasure(other, message)
        return real_render(session, environment, message, *args, **kwargs)

    monkeypatch.setattr(composition_module, "render_message", erased_while_rendering)
    outcome = deliver_batch(planned, get_settings(), [CHECKIN], Clock.at(NOW))
    assert outcome.stopped is None and outcome.by_outcome["skipped"] >= 1
    (message,) = messages(planned, id=erased[0])
    assert (message.status, message.status_reason) == (MessageStatus.SKIPPED, "erased")
    assert (message.token_hash, message.message_id, message.subject) == (None, None, None)
    assert message.handoff_at is None
    delivered = outbox()
    assert len(delivered) == len(messages(planned, status=MessageStatus.SENT)) > 0
    assert not [mail for mail in delivered if addresses[0] in str(mail["To"])]


def test_an_erasure_mid_batch_takes_the_envelope_back_on_the_open_connection(
    planned: Engine, app_env, smtp_sink, monkeypatch
) -> None:
    """The envelope's MAIL FROM goes before the hand-over commits: when the commit is
    refused, RSET takes it back and the next message goes on the same connection."""
    from tasks.outbox import composition as composition_module

    real_render = composition_module.render_message
    rendered: list[int] = []
    erased: list[str] = []

    def erased_second(session, environment, message, *args, **kwargs):
        rendered.append(message.id)
        if len(rendered) == 2:  # the first is with the server: the connection is open
            erased.append(message.contact.email)
            with transaction(planned) as other:
                marking(other, message)
        return real_render(session, environment, message, *args, **kwargs)

    monkeypatch.setattr(composition_module, "render_message", erased_second)
    smtp_sink.handler.wire = bytearray()
    app_env.setenv("CONTINUITY_SMTP_CONNECTIONS", "1")
    app_env.setenv("CONTINUITY_MAIL_URL", smtp_sink.url)
    get_settings.cache_clear()
    outcome = deliver_batch(planned, get_settings(), [CHECKIN], Clock.at(NOW))
    assert outcome.stopped is None and outcome.by_outcome["skipped"] >= 1
    sent = messages(planned, status=MessageStatus.SENT)
    assert len(smtp_sink.accepted) == len(sent) > 1
    assert not [mail for mail in smtp_sink.accepted if erased[0] in mail.recipients]
    assert b"\r\nrset\r\n" in bytes(smtp_sink.handler.wire).lower()
    assert smtp_sink.connections == 1
