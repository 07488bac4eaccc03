from __future__ import annotations

import mailbox
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError

from db.engine import transaction
from db.models import (
    Contact,
    ContactEvent,
    InboundMail,
    InboxMark,
    MessageStatus,
    Response,
    TouchpointKind,
)
from tasks.responses.collect import collect_mail
from tasks.settings import get_settings
from tests.pipeline import SAMPLES_DIR, deliver_all, messages, plan, sample_mail

SENT = datetime(2026, 12, 1, 12, tzinfo=UTC)
LATER = SENT + timedelta(days=1)
CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN


@pytest.fixture
def sent(imported: Engine, app_env, tmp_path: Path):
    app_env.setenv("CONTINUITY_INBOX_URL", f"maildir://{tmp_path / 'inbox'}")
    get_settings.cache_clear()
    plan(imported, CHECKIN, SENT)
    deliver_all(imported, [CHECKIN], SENT)
    return {m.contact.email: m for m in messages(imported, status=MessageStatus.SENT)}


def drop(tmp_path: Path, *mails: bytes) -> mailbox.Maildir:
    box = mailbox.Maildir(tmp_path / "inbox", create=True)
    for raw in mails:
        box.add(raw)
    return box


def collect(engine: Engine, at: datetime = LATER):
    return collect_mail(engine, get_settings(), at).counts


def inbound(engine: Engine) -> list[InboundMail]:
    with transaction(engine) as session:
        return list(session.scalars(select(InboundMail).order_by(InboundMail.id)))


def contact(engine: Engine, email: str) -> Contact:
    with transaction(engine) as session:
        return session.scalars(select(Contact).where(Contact.email == email)).one()


def test_a_reply_becomes_a_response_without_its_quoted_history(
    sent, imported: Engine, tmp_path: Path
) -> None:
    original = sent["a.ndiaye@asef-senegal.example.org"]
    drop(tmp_path, sample_mail("reply-fr.eml", original))
    assert collect(imported) == {"reply": 1}
    with transaction(imported) as session:
        (response,) = session.scalars(select(Response))
    assert (response.message_id, response.channel, response.kind) == (
        original.id,
        "email",
        "sustainability_checkin",
    )
    assert response.text.startswith("Bonjour,\n\nLes cantines scolaires continuent")
    assert response.text.endswith("Bien cordialement,\nAwa")
    assert "a écrit" not in response.text and "Coordinatrice" not in response.text


def test_a_reply_without_our_address_is_matched_by_its_references(
    sent, imported: Engine, tmp_path: Path
) -> None:
    original = sent["mj.pena@funiter.example.co"]
    drop(tmp_path, sample_mail("reply-es-html.eml", original))
    assert collect(imported) == {"reply": 1}
    (mail,) = inbound(imported)
    assert mail.message_id == original.id
    with transaction(imported) as session:
        text = session.scalars(select(Response.text)).one()
    assert text.startswith("Buenas tardes,\nConfirmamos la asistencia") and "Enviado" not in text


@pytest.mark.parametrize("sample", ["autoreply-en.eml", "autoreply-subject-only.eml"])
def test_auto_replies_are_noted_and_do_not_count_as_answers(
    sent, imported: Engine, tmp_path: Path, sample: str
) -> None:
    drop(tmp_path, sample_mail(sample, sent["g.otieno@kccpn.example.or.ke"]))
    assert collect(imported) == {"auto_reply": 1}
    with transaction(imported) as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 0


@pytest.mark.parametrize(
    ("sample", "status"),
    [
        ("postfix-dsn-hard.eml", "5.1.1"),
        ("qmail-failure.eml", "5.1.1"),
    ],
)
def test_a_hard_bounce_marks_the_message_and_suppresses_the_address(
    sent, imported: Engine, tmp_path: Path, sample: str, status: str
) -> None:
    original = sent["jp.mbarga@enfance-avenir.example.cm"]
    drop(tmp_path, sample_mail(sample, original))
    assert collect(imported) == {"bounce": 1}
    (row,) = messages(imported, id=original.id)
    assert row.status == MessageStatus.BOUNCED
    bounced = contact(imported, "jp.mbarga@enfance-avenir.example.cm")
    assert bounced.suppressed_at == LATER
    assert bounced.suppression_reason == f"hard bounce: userunknown {status}".strip()
    assert bounced.unreachable_reason().startswith("suppressed: hard bounce")


@pytest.mark.parametrize(
    ("sample", "reason"),
    [("exim-failure.eml", "mailboxfull"), ("exchange-ndr.eml", "filtered 5.1.10")],
)
def test_a_full_or_filtering_mailbox_is_a_soft_bounce_that_suppresses_no_one(
    sent, imported: Engine, tmp_path: Path, sample: str, reason: str
) -> None:
    original = sent["jp.mbarga@enfance-avenir.example.cm"]
    drop(tmp_path, sample_mail(sample, original))
    assert collect(imported) == {"bounce": 1}
    (row,) = messages(imported, id=original.id)
    assert (row.status, row.status_reason) == (MessageStatus.BOUNCED, f"soft bounce: {reason}")
    bounced = contact(imported, "jp.mbarga@enfance-avenir.example.cm")
    assert (bounced.soft_bounces, bounced.suppressed_at) == (1, None)


def test_soft_bounces_suppress_only_when_they_repeat_over_a_week(
    sent, imported: Engine, tmp_path: Path
) -> None:
    original = sent["c.ngobissai@enfance-avenir.example.cm"]
    for number, day in enumerate((0, 1, 2, 8)):
        raw = sample_mail("postfix-dsn-delayed.eml", original).replace(
            b"<20261202120005.", f"<{day}-2026120212".encode()
        )
        drop(tmp_path, raw)
        collect(imported, LATER + timedelta(days=day))
        soft = contact(imported, "c.ngobissai@enfance-avenir.example.cm")
        assert soft.soft_bounces == number + 1
        assert (soft.suppressed_at is not None) == (day == 8)
    assert soft.suppression_reason.startswith("4 soft bounces over 8 days: ")


def test_a_suppressed_address_is_skipped_by_every_flow(
    sent, imported: Engine, tmp_path: Path
) -> None:
    drop(tmp_path, sample_mail("postfix-dsn-hard.eml", sent["jp.mbarga@enfance-avenir.example.cm"]))
    collect(imported)
    plan(imported, TouchpointKind.REMINDER, SENT + timedelta(days=7))
    reminders = messages(imported, kind=TouchpointKind.REMINDER)
    assert all(m.contact.email != "jp.mbarga@enfance-avenir.example.cm" for m in reminders)


def test_an_unsubscribe_mail_opts_the_contact_out(sent, imported: Engine, tmp_path: Path) -> None:
    drop(tmp_path, sample_mail("unsubscribe.eml", sent["p.kamau@kccpn.example.or.ke"]))
    assert collect(imported) == {"unsubscribe": 1}
    assert contact(imported, "p.kamau@kccpn.example.or.ke").opted_out_at == LATER


def test_unmatched_mail_is_kept_for_staff(sent, imported: Engine, tmp_path: Path) -> None:
    drop(tmp_path, (SAMPLES_DIR / "unmatched.eml").read_bytes())
    assert collect(imported) == {"unmatched": 1}
    (mail,) = inbound(imported)
    assert mail.subject == "Question about a new partnership"
    assert "apply to work with UNICEF" in mail.text


@pytest.mark.faults
def test_mail_in_an_unknown_charset_or_broken_mime_is_still_read(
    sent, imported: Engine, tmp_path: Path
) -> None:
    original = sent["o.ba@rjsc-kolda.example.org"]
    drop(
        tmp_path,
        sample_mail("unknown-charset-reply.eml", original),
        sample_mail("broken-mime.eml", original),
    )
    assert collect(imported) == {"reply": 2}
    with transaction(imported) as session:
        texts = set(session.scalars(select(Response.text)))
    assert texts == {
        "Merci pour les nouvelles. Réseau toujours actif à Kolda.",
        "Nous sommes toujours là.",
    }


@pytest.mark.faults
def test_garbage_bytes_are_recorded_not_dropped(sent, imported: Engine, tmp_path: Path) -> None:
    drop(tmp_path, b"\x00\xff\xfe garbage \r\n\r\n\x00", b"")
    counts = collect(imported)
    assert sum(counts.values()) == 2
    assert len(inbound(imported)) == 2


def test_a_mail_and_its_mark_are_recorded_together_or_not_at_all(
    sent, imported: Engine, tmp_path: Path, monkeypatch
) -> None:
    box = drop(tmp_path, sample_mail("reply-fr.eml", sent["a.ndiaye@asef-senegal.example.org"]))
    names = sorted(box.iterkeys())

    def database_gone(*args, **kwargs):
        raise OperationalError("INSERT INTO inbox_marks", {}, Exception("server closed"))

    monkeypatch.setattr("tasks.responses.collect.mark_recorded", database_gone)
    with pytest.raises(OperationalError):
        collect(imported)
    assert inbound(imported) == []
    monkeypatch.undo()
    assert collect(imported) == {"reply": 1}
    assert collect(imported) == {}
    with transaction(imported) as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 1
        assert session.scalar(select(func.count()).select_from(InboxMark)) == 1
    assert sorted(box.iterkeys()) == names
    assert all(box.get_message(key).get_subdir() == "new" for key in names)


def test_a_dry_run_records_nothing_and_leaves_mail_unread(
    sent, imported: Engine, tmp_path: Path
) -> None:
    drop(tmp_path, sample_mail("reply-fr.eml", sent["a.ndiaye@asef-senegal.example.org"]))
    assert collect_mail(imported, get_settings(), LATER, dry_run=True).counts == {"reply": 1}
    assert inbound(imported) == []
    with transaction(imported) as session:
        assert session.scalar(select(func.count()).select_from(InboxMark)) == 0
    assert collect(imported) == {"reply": 1}


def test_a_reply_stops_the_reminders(sent, imported: Engine, tmp_path: Path) -> None:
    answered = sent["a.ndiaye@asef-senegal.example.org"]
    drop(tmp_path, sample_mail("reply-fr.eml", answered))
    collect(imported)
    plan(imported, TouchpointKind.REMINDER, SENT + timedelta(days=7))
    reminded = {m.reminder_of_id for m in messages(imported, kind=TouchpointKind.REMINDER)}
    assert answered.id not in reminded and len(reminded) == len(sent) - 1


def test_a_forged_bounce_to_our_plain_address_changes_no_one(
    sent, imported: Engine, tmp_path: Path
) -> None:
    target = sent["jp.mbarga@enfance-avenir.example.cm"]
    drop(tmp_path, sample_mail("forged-dsn.eml", target))
    assert collect(imported) == {"bounce": 1}
    (mail,) = inbound(imported)
    assert mail.details["applied"] is False
    assert mail.details["why_not"] == "not tied to a message of ours"
    victim = contact(imported, "jp.mbarga@enfance-avenir.example.cm")
    assert (victim.suppressed_at, victim.hard_bounces, victim.soft_bounces) == (None, 0, 0)
    (row,) = messages(imported, id=target.id)
    assert row.status == MessageStatus.SENT


def test_a_bounce_of_our_message_naming_another_address_changes_no_one(
    sent, imported: Engine, tmp_path: Path
) -> None:
    ours = sent["jp.mbarga@enfance-avenir.example.cm"]
    raw = sample_mail("postfix-dsn-hard.eml", ours).replace(
        ours.contact.email.encode(), b"a.ndiaye@asef-senegal.example.org"
    )
    drop(tmp_path, raw)
    assert collect(imported) == {"bounce": 1}
    (mail,) = inbound(imported)
    assert mail.details["why_not"] == "names addresses other than the message's recipient"
    for email in ("jp.mbarga@enfance-avenir.example.cm", "a.ndiaye@asef-senegal.example.org"):
        assert contact(imported, email).suppressed_at is None


def test_a_hard_bounce_is_written_to_the_contacts_history(
    sent, imported: Engine, tmp_path: Path
) -> None:
    drop(tmp_path, sample_mail("postfix-dsn-hard.eml", sent["jp.mbarga@enfance-avenir.example.cm"]))
    collect(imported)
    bounced = contact(imported, "jp.mbarga@enfance-avenir.example.cm")
    with transaction(imported) as session:
        (event,) = session.scalars(select(ContactEvent))
    assert (event.contact_id, event.action, event.actor) == (
        bounced.id,
        "suppressed",
        "collect-responses",
    )
    assert event.details["reason"] == "hard bounce: userunknown 5.1.1"
    assert event.details["inbound_mail_id"] == inbound(imported)[0].id


def test_bounces_that_blame_our_sender_alert_and_suppress_no_one(
    sent, imported: Engine, tmp_path: Path
) -> None:
    emails = sorted(sent)[:4]
    drop(
        tmp_path,
        *(
            sample_mail("postfix-dsn-blocked.eml", sent[email]).replace(
                b"<20261201120005.", f"<{number}.".encode()
            )
            for number, email in enumerate(emails)
        ),
    )
    collected = collect_mail(imported, get_settings(), LATER)
    assert collected.counts == {"bounce": 4}
    assert collected.sender_side == {"blocked": 4} and collected.alert
    for email in emails:
        blocked = contact(imported, email)
        assert (blocked.suppressed_at, blocked.soft_bounces) == (None, 0)
    for email in emails:
        (row,) = messages(imported, id=sent[email].id)
        assert row.status == MessageStatus.BOUNCED


def test_a_complaint_opts_the_complainant_out_and_is_no_answer(
    sent, imported: Engine, tmp_path: Path
) -> None:
    original = sent["p.kamau@kccpn.example.or.ke"]
    drop(tmp_path, sample_mail("arf-complaint.eml", original))
    assert collect(imported) == {"complaint": 1}
    complained = contact(imported, "p.kamau@kccpn.example.or.ke")
    assert (complained.opted_out_at, complained.suppressed_at) == (LATER, None)
    with transaction(imported) as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 0
        (event,) = session.scalars(select(ContactEvent))
    assert (event.action, event.details["reason"]) == ("opted_out", "complaint")
    (row,) = messages(imported, id=original.id)
    assert row.status == MessageStatus.SENT


def test_a_delivery_report_is_neither_a_bounce_nor_an_answer(
    sent, imported: Engine, tmp_path: Path
) -> None:
    original = sent["a.ndiaye@asef-senegal.example.org"]
    drop(tmp_path, sample_mail("delivered-dsn.eml", original))
    assert collect(imported) == {"delivery_report": 1}
    (mail,) = inbound(imported)
    assert mail.message_id == original.id
    (row,) = messages(imported, id=original.id)
    assert row.status == MessageStatus.SENT
    with transaction(imported) as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 0
