from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from db.engine import transaction
from db.models import MessageStatus, Response, ResponseChannel, TouchpointKind
from tasks.clock import Clock
from tasks.outbox.deliver import deliver_batch
from tasks.settings import get_settings
from tasks.staff.records import EventInput, read_input, record_event
from tests.pipeline import messages, plan

CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN
REMINDER = TouchpointKind.REMINDER
SENT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def send(engine: Engine, kinds, at: datetime) -> None:
    while deliver_batch(engine, get_settings(), kinds, Clock.at(at)).claimed:
        pass


def reminders_after(engine: Engine, days: float) -> list:
    moment = SENT + timedelta(days=days)
    plan(engine, REMINDER, moment)
    send(engine, [REMINDER], moment)
    return messages(engine, kind=REMINDER)


def sent_checkins(imported: Engine) -> list:
    plan(imported, CHECKIN, SENT)
    send(imported, [CHECKIN], SENT)
    return messages(imported, kind=CHECKIN, status=MessageStatus.SENT)


def test_no_reminder_before_seven_days(imported: Engine, app_env) -> None:
    sent_checkins(imported)
    assert reminders_after(imported, 6.9) == []


def test_unanswered_check_ins_get_a_threaded_reminder(imported: Engine, app_env, outbox) -> None:
    originals = sent_checkins(imported)
    reminders = reminders_after(imported, 7)
    assert len(reminders) == len(originals)
    by_original = {m.reminder_of_id: m for m in reminders}
    original = originals[0]
    assert by_original[original.id].in_reply_to == original.message_id
    mail = next(m for m in outbox() if m["In-Reply-To"] == original.message_id)
    assert mail["References"] == original.message_id
    assert mail["Subject"].startswith(("Rappel : ", "Reminder: ", "Recordatorio: "))


def test_at_most_two_reminders_one_at_a_time(imported: Engine, app_env) -> None:
    originals = sent_checkins(imported)
    reminders_after(imported, 7)
    assert len(reminders_after(imported, 10)) == len(originals)
    assert len(reminders_after(imported, 14)) == 2 * len(originals)
    assert len(reminders_after(imported, 40)) == 2 * len(originals)


def test_after_downtime_reminders_still_come_one_at_a_time(imported: Engine, app_env) -> None:
    originals = sent_checkins(imported)
    assert len(reminders_after(imported, 20)) == len(originals)
    assert len(reminders_after(imported, 21)) == len(originals)
    assert len(reminders_after(imported, 27)) == 2 * len(originals)


def test_an_answer_on_any_channel_stops_the_reminders(imported: Engine, app_env) -> None:
    originals = sent_checkins(imported)
    answered, by_phone = originals[0], originals[1]
    with transaction(imported) as session:
        session.add(
            Response(
                message_id=answered.id,
                contact_id=answered.contact_id,
                partnership_id=answered.partnership_id,
                channel=ResponseChannel.PORTAL,
                kind=str(CHECKIN),
                received_at=SENT + timedelta(days=2),
            )
        )
        session.add(
            Response(
                contact_id=by_phone.contact_id,
                partnership_id=by_phone.partnership_id,
                channel=ResponseChannel.PHONE,
                kind=str(CHECKIN),
                received_at=SENT + timedelta(days=3),
            )
        )
    reminded = {m.reminder_of_id for m in reminders_after(imported, 7)}
    assert answered.id not in reminded and by_phone.id not in reminded
    assert len(reminded) == len(originals) - 2


def test_invitations_are_not_reminded_once_the_rsvp_deadline_passed(
    imported: Engine, app_env
) -> None:
    data = read_input(
        EventInput,
        None,
        {
            "title": {"fr": "Forum"},
            "starts_at": "2027-01-20T09:00:00Z",
            "place": "Dakar",
            "countries": ["SEN"],
            "rsvp_deadline": "2026-12-10T00:00:00Z",
        },
    )
    with transaction(imported) as session:
        record_event(session, data)
    plan(imported, TouchpointKind.CONSULTATION_INVITATION, SENT)
    send(imported, [TouchpointKind.CONSULTATION_INVITATION], SENT)
    assert len(reminders_after(imported, 7)) == 5
    assert len(reminders_after(imported, 14)) == 5
