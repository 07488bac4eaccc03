"""Retention on SQLite and PostgreSQL: after the retention period, inbound mail that
carried no answer keeps that it arrived and what it did, and nothing of who sent it or
what it said; mail servers' words about our messages go; answers stay."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from db.engine import purge_old_pages, transaction
from db.models import InboundMail, Message, MessageStatus, Response, TouchpointKind
from tasks.retention import clear_expired, summary
from tasks.settings import get_settings
from tests.collected import (
    AWA,
    COLLECTED,
    MBARGA,
    SENT,
    UNMATCHED,
    collect_samples,
    database_files,
)
from tests.etools.test_importer import snapshot
from tests.pipeline import deliver_all, messages, plan
from tests.readers import no_wait_for_readers, reading

# A year and a month after the mail was collected, and well within the year.
LATER = COLLECTED + timedelta(days=395)
SOONER = COLLECTED + timedelta(days=300)


@pytest.fixture
def collected(imported: Engine, app_env, tmp_path: Path) -> Engine:
    collect_samples(imported, app_env, tmp_path)
    return imported


def inbound(engine: Engine) -> dict[str, InboundMail]:
    with transaction(engine) as session:
        return {mail.classification: mail for mail in session.scalars(select(InboundMail))}


def test_mail_without_an_answer_is_cleared_after_the_period_and_answers_stay(
    collected: Engine,
) -> None:
    cleared = clear_expired(collected, LATER, 365)
    assert cleared.inbound == {"unmatched": 1, "auto_reply": 1, "bounce": 1, "unsubscribe": 1}
    mails = inbound(collected)
    for kind in ("unmatched", "auto_reply", "bounce", "unsubscribe"):
        mail = mails[kind]
        assert (mail.from_address, mail.subject, mail.text, mail.raw) == ("", "", "", None)
        assert mail.message_id_header is None and mail.cleared_at == LATER
        assert mail.received_at == COLLECTED
    assert mails["bounce"].details == {"applied": True}
    reply = mails["reply"]
    assert AWA in reply.from_address and "cantines scolaires" in reply.text
    assert reply.cleared_at is None
    with transaction(collected) as session:
        (answer,) = session.scalars(select(Response).where(Response.kind != "opt_out"))
        assert "cantines scolaires" in answer.text


def test_the_unmatched_mail_leaves_the_sqlite_files(collected: Engine) -> None:
    if collected.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps old row versions until VACUUM (README)")
    assert UNMATCHED[0].encode() in database_files(collected)
    clear_expired(collected, LATER, 365)
    held = database_files(collected)
    assert [word for word in UNMATCHED if word.encode() in held] == []
    assert b"cantines scolaires" in held  # the answer, in the very files read


def test_a_pass_while_another_process_reads_says_the_old_pages_stay(
    collected: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    if collected.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps old row versions until VACUUM (README)")
    no_wait_for_readers(monkeypatch)
    with reading(collected):
        cleared = clear_expired(collected, LATER, 365)
    assert cleared.inbound["unmatched"] == 1 and cleared.as_dict()["old_pages_kept"] is True
    assert UNMATCHED[0].encode() in database_files(collected)
    purge_old_pages(collected)
    assert UNMATCHED[0].encode() not in database_files(collected)
    assert clear_expired(collected, LATER, 365).old_pages_kept is False


def test_mail_younger_than_the_period_is_kept(collected: Engine) -> None:
    before = snapshot(collected)
    cleared = clear_expired(collected, SOONER, 365)
    assert (cleared.inbound, cleared.messages) == ({}, 0)
    assert snapshot(collected) == before
    assert inbound(collected)["unmatched"].subject == UNMATCHED[3]


def test_a_second_pass_clears_nothing_more(collected: Engine) -> None:
    replied_to = [m for m in messages(collected) if m.server_reply]
    first = clear_expired(collected, LATER, 365)
    assert replied_to and first.messages == len(replied_to)
    after_first = snapshot(collected)
    again = clear_expired(collected, LATER + timedelta(days=1), 365)
    assert (again.inbound, again.messages) == ({}, 0)
    assert snapshot(collected) == after_first


def test_a_dry_run_counts_what_a_pass_clears_and_changes_nothing(collected: Engine) -> None:
    before = snapshot(collected)
    would = clear_expired(collected, LATER, 365, dry_run=True)
    assert snapshot(collected) == before
    assert inbound(collected)["unmatched"].text
    did = clear_expired(collected, LATER, 365)
    assert would.as_dict() == did.as_dict()


def test_a_backlog_is_cleared_in_batches(collected: Engine) -> None:
    cleared = clear_expired(collected, LATER, 365, batch=2)
    assert sum(cleared.inbound.values()) == 4
    assert all(m.server_reply is None for m in messages(collected))


def test_server_words_about_old_messages_go_and_the_reason_stays_readable(
    imported: Engine, app_env, smtp_sink
) -> None:
    app_env.setenv("CONTINUITY_MAIL_URL", smtp_sink.url)
    get_settings.cache_clear()
    smtp_sink.handler.decide = lambda envelope: (
        f"550 5.1.1 <{envelope.rcpt_tos[0]}>: Recipient address rejected: User unknown"
        if MBARGA in envelope.rcpt_tos
        else "accept"
    )
    plan(imported, TouchpointKind.SUSTAINABILITY_CHECKIN, SENT)
    deliver_all(imported, [TouchpointKind.SUSTAINABILITY_CHECKIN], SENT)
    (failed,) = messages(imported, status=MessageStatus.FAILED)
    assert MBARGA in (failed.last_error or "") and MBARGA in (failed.status_reason or "")
    assert all(m.server_reply for m in messages(imported, status=MessageStatus.SENT))
    clear_expired(imported, SENT + timedelta(days=366), 365)
    (failed,) = messages(imported, status=MessageStatus.FAILED)
    assert failed.last_error is None
    assert failed.status_reason == "DATA: 550 5.1.1 (userunknown)"
    assert not [m for m in messages(imported) if m.server_reply or m.last_error]


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (
            "RCPT TO: 550 5.1.1 <a.diallo@école-kolda.sn>: Recipient address rejected",
            "RCPT TO: 550 5.1.1 (userunknown)",
        ),
        (
            "gave up after 8 attempts: DATA: 452 4.2.2 Mailbox of Aminata Diallo is full",
            "gave up after 8 attempts: DATA: 452 4.2.2 (mailboxfull)",
        ),
        ("MAIL FROM: 421 Service not available", "MAIL FROM: 421 (onhold)"),
        ("connection lost: [Errno 104] Connection reset by peer", "connection lost"),
        (
            "could not compose the message: 'ascii' codec can't encode",
            "could not compose the message",
        ),
        (
            "an unreadable answer after the message: b'x@y.org'",
            "an unreadable answer after the message",
        ),
        (
            "cannot connect to smtp.example.org:587: timed out",
            "cannot connect to smtp.example.org:587",
        ),
    ],
)
def test_an_error_summary_keeps_the_step_codes_and_reason_and_no_server_words(
    error: str, shown: str
) -> None:
    assert summary(error) == shown


def test_an_unconfirmed_message_keeps_why_it_was_not_resent() -> None:
    from tasks.retention import forget_server_words

    error = "connection lost: timed out, after the whole message was sent"
    message = Message(
        status=MessageStatus.UNCONFIRMED,
        last_error=error,
        status_reason=f"{error}; not resent, to avoid a duplicate",
        server_reply=None,
    )
    forget_server_words(message)
    assert message.status_reason == "connection lost; not resent, to avoid a duplicate"
    assert message.last_error is None
