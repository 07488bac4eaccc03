from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update

from db.engine import transaction
from db.models import Contact, Message, MessageStatus, TouchpointKind
from tasks.clock import Clock
from tasks.outbox.deliver import deliver_batch
from tasks.outbox.drain import Drained, drain
from tasks.outbox.lanes import lane_count
from tasks.outbox.outcomes import backoff
from tasks.outbox.pacing import Pacer
from tasks.outbox.recovery import LEASE, recover_interrupted
from tasks.settings import get_settings
from tests.pipeline import messages, plan

CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def deliver(engine: Engine, at: datetime = NOW):
    return deliver_batch(engine, get_settings(), [CHECKIN], Clock.at(at))


def deliver_all(engine: Engine, at: datetime = NOW) -> Drained:
    return drain(lambda: deliver(engine, at))


@pytest.fixture
def planned(imported: Engine, app_env) -> Engine:
    plan(imported, CHECKIN, NOW)
    return imported


def reachable(engine: Engine) -> list[Message]:
    return [m for m in messages(engine) if m.status != MessageStatus.SKIPPED]


def test_every_planned_message_is_sent_once_and_recorded(planned: Engine, outbox) -> None:
    deliver_all(planned)
    deliver_all(planned)
    sent = messages(planned, status=MessageStatus.SENT)
    assert sent and len(sent) == len(reachable(planned))
    assert len(outbox()) == len(sent)
    assert all(m.server_reply.startswith("stored in maildir") for m in sent)
    assert all(m.token_hash and m.message_id and m.subject and m.sent_at == NOW for m in sent)
    assert len({m.message_id for m in sent}) == len(sent)


def test_smtp_delivery_records_the_server_reply(planned: Engine, app_env, smtp_sink) -> None:
    app_env.setenv("CONTINUITY_MAIL_URL", smtp_sink.url)
    get_settings.cache_clear()
    deliver_all(planned)
    sent = messages(planned, status=MessageStatus.SENT)
    assert {m.server_reply for m in sent} == {"250 2.0.0 Ok: queued"}
    assert len(smtp_sink.accepted) == len(sent)
    assert smtp_sink.connections == lane_count(planned, get_settings())  # not one a message


def test_a_message_reaches_the_server_alone_with_its_hand_off_committed(
    planned: Engine, app_env
) -> None:
    """While the server takes in a message's data, the database (as another connection
    sees it) holds exactly that message handed over without an answer: the answer before
    it is committed, and the next message, composed meanwhile, is not handed over yet."""
    from tests.smtp import SinkHandler, SinkServer

    seen: list[tuple[list[str], str]] = []

    class Watching(SinkHandler):
        async def handle_DATA(self, server, session, envelope) -> str:
            await asyncio.sleep(0.05)  # time for the client to prepare the next message
            with transaction(planned) as db:
                query = (
                    select(Contact.email)
                    .join(Message.contact)
                    .where(Message.status == MessageStatus.SENDING)
                    .where(Message.handoff_at.is_not(None))
                )
                seen.append((list(db.scalars(query)), envelope.rcpt_tos[0]))
            return await super().handle_DATA(server, session, envelope)

    sink = SinkServer(Watching())
    sink.start()
    try:
        # One lane: the order within an SMTP connection (several lanes keep it each).
        app_env.setenv("CONTINUITY_SMTP_CONNECTIONS", "1")
        app_env.setenv("CONTINUITY_MAIL_URL", sink.url)
        get_settings.cache_clear()
        deliver_all(planned)
    finally:
        sink.stop()
    assert len(seen) == len(reachable(planned)) > 1
    assert all(in_doubt == [recipient] for in_doubt, recipient in seen)


def test_a_temporary_failure_is_retried_after_a_backoff(
    planned: Engine, app_env, smtp_sink, monkeypatch
) -> None:
    app_env.setenv("CONTINUITY_MAIL_URL", smtp_sink.url)
    get_settings.cache_clear()
    smtp_sink.handler.decide = lambda envelope: "451 4.7.1 greylisted, come back later"
    monkeypatch.setattr("tasks.outbox.lanes.CONSECUTIVE_FAILURE_LIMIT", 1000)
    deliver(planned)
    waiting = messages(planned, status=MessageStatus.PLANNED)
    assert waiting and all(
        m.last_error == "DATA: 451 4.7.1 greylisted, come back later" for m in waiting
    )
    assert all(m.due_at == NOW + backoff(1) for m in waiting)
    assert deliver(planned, NOW + timedelta(seconds=30)).claimed == 0
    smtp_sink.handler.decide = lambda envelope: "accept"
    deliver_all(planned, NOW + backoff(1))
    assert len(messages(planned, status=MessageStatus.SENT)) == len(reachable(planned))


def test_a_permanent_failure_fails_at_once_with_the_server_text(
    planned: Engine, app_env, smtp_sink
) -> None:
    app_env.setenv("CONTINUITY_MAIL_URL", smtp_sink.url)
    get_settings.cache_clear()
    smtp_sink.handler.decide = lambda envelope: "550 5.1.1 no such user"
    deliver_all(planned)
    failed = messages(planned, status=MessageStatus.FAILED)
    assert len(failed) == len(reachable(planned))
    assert {m.status_reason for m in failed} == {"DATA: 550 5.1.1 no such user"}
    assert all(m.attempts == 1 for m in failed)


def test_attempts_run_out_into_a_failure_with_the_reason(
    planned: Engine, app_env, smtp_sink
) -> None:
    app_env.setenv("CONTINUITY_MAIL_URL", smtp_sink.url)
    app_env.setenv("CONTINUITY_MAX_ATTEMPTS", "2")
    get_settings.cache_clear()
    smtp_sink.handler.decide = lambda envelope: "421 4.3.2 shutting down"
    deliver(planned)
    deliver(planned, NOW + timedelta(days=1))
    failed = messages(planned, status=MessageStatus.FAILED)
    assert failed and all(
        m.status_reason.startswith("gave up after 2 attempts: DATA: 421") for m in failed
    )


def test_a_server_that_keeps_failing_stops_the_batch_and_releases_the_rest(
    planned: Engine, app_env, smtp_sink, monkeypatch
) -> None:
    app_env.setenv("CONTINUITY_MAIL_URL", smtp_sink.url)
    get_settings.cache_clear()
    monkeypatch.setattr("tasks.outbox.lanes.CONSECUTIVE_FAILURE_LIMIT", 3)
    smtp_sink.handler.decide = lambda envelope: "452 4.3.1 insufficient storage"
    outcome = deliver(planned)
    assert outcome.stopped and "3 temporary failures in a row" in outcome.stopped
    # Exactly 3 over one connection; over several, the first lane to reach 3 stops the
    # others after the message each has in hand.
    retried = outcome.by_outcome["retry"]
    assert 3 <= retried <= 3 * lane_count(planned, get_settings())
    assert outcome.by_outcome["released"] == outcome.claimed - retried
    assert smtp_sink.refused == retried
    assert all(m.status == MessageStatus.PLANNED for m in reachable(planned))


def test_a_contact_who_opts_out_after_planning_gets_nothing(planned: Engine, outbox) -> None:
    target, *others = reachable(planned)
    with transaction(planned) as session:
        session.get_one(Contact, target.contact_id).opted_out_at = NOW
    deliver_all(planned)
    assert messages(planned, id=target.id)[0].status == MessageStatus.SKIPPED
    assert messages(planned, id=target.id)[0].status_reason == "opted out"
    assert len(outbox()) == len(others)


def test_delivery_waits_for_the_recipient_window(planned: Engine, app_env) -> None:
    app_env.setenv("CONTINUITY_SENDING_WINDOW", "mon-fri 09:00-17:00")
    get_settings.cache_clear()
    deliver_all(planned, datetime(2026, 12, 5, 12, tzinfo=UTC))  # a Saturday
    assert messages(planned, status=MessageStatus.SENT) == []
    waiting = messages(planned, status=MessageStatus.PLANNED)
    assert waiting and all(m.due_at.weekday() == 0 and m.attempts == 0 for m in waiting)


def test_the_interrupted_delivery_policy(planned: Engine) -> None:
    ids = [m.id for m in reachable(planned)][:3]
    with transaction(planned) as session:
        claimed = NOW - LEASE - timedelta(minutes=1)
        session.execute(
            update(Message)
            .where(Message.id.in_(ids))
            .values(status=MessageStatus.SENDING, claimed_at=claimed, attempts=1)
        )
        session.execute(update(Message).where(Message.id == ids[0]).values(handoff_at=claimed))
        recent = NOW - timedelta(minutes=1)
        session.execute(update(Message).where(Message.id == ids[2]).values(claimed_at=recent))
    with transaction(planned) as session:
        outcomes = recover_interrupted(session, NOW)
    assert outcomes == {"unconfirmed": 1, "requeued": 1}
    states = {m.id: m for m in messages(planned) if m.id in ids}
    assert states[ids[0]].status == MessageStatus.UNCONFIRMED
    assert "not resent" in states[ids[0]].status_reason
    assert (states[ids[1]].status, states[ids[1]].attempts) == (MessageStatus.PLANNED, 0)
    assert states[ids[2]].status == MessageStatus.SENDING  # still within its lease: a live worker


def test_the_pacer_spaces_sends_to_the_rate_limit() -> None:
    now = [100.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    pacer = Pacer(120, sleep=sleep, monotonic=lambda: now[0])
    for _ in range(4):
        pacer.wait()
        now[0] += 0.1  # the send itself
    assert sleeps == pytest.approx([0.4, 0.4, 0.4])
    unlimited = Pacer(0, sleep=sleep, monotonic=lambda: now[0])
    unlimited.wait()
    assert len(sleeps) == 3


def test_no_two_claims_share_a_row(planned: Engine) -> None:
    from db.outbox import claim_batch

    with transaction(planned) as session:
        first = claim_batch(session, [CHECKIN], NOW, 5)
    with transaction(planned) as session:
        second = claim_batch(session, [CHECKIN], NOW, 5)
    assert first and second and not set(first) & set(second)
    with transaction(planned) as session:
        statuses = set(
            session.scalars(select(Message.status).where(Message.id.in_(first + second)))
        )
    assert statuses == {MessageStatus.SENDING}


def test_a_batch_that_lost_its_rows_to_another_delivery_sends_nothing(
    planned: Engine, outbox, monkeypatch
) -> None:
    from tasks.outbox import composition as composition_module

    real_render = composition_module.render_message

    def taken_over_first(*args, **kwargs):
        with transaction(planned) as session:
            session.execute(
                update(Message)
                .where(Message.status == MessageStatus.SENDING)
                .values(claim="another-delivery")
            )
        monkeypatch.setattr(composition_module, "render_message", real_render)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(composition_module, "render_message", taken_over_first)
    outcome = deliver(planned)
    assert outcome.by_outcome["lost"] == 1 and "outlived its lease" in (outcome.stopped or "")
    assert outbox() == []
    taken = messages(planned, status=MessageStatus.SENDING)
    assert taken and {m.claim for m in taken} == {"another-delivery"}
    assert all(m.handoff_at is None for m in taken)
