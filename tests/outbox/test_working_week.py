"""The default sending window is the recipient's working hours on their country's working
days, less its public holidays and staff's closures; a deferral says why."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, update

from db.engine import transaction
from db.models import Contact, Message, MessageStatus, Partner, TouchpointKind
from tasks.calendar_changes import Author, checked_country, close_day, open_day, set_week
from tasks.sending_window import parse_window
from tasks.settings import get_settings
from tests.pipeline import deliver_all, messages, plan

CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN
PLANNED_AT = datetime(2026, 12, 1, 12, tzinfo=UTC)
FRIDAY_IN_ADEN = datetime(2025, 6, 13, 7, tzinfo=UTC)  # 10:00 in Aden
SUNDAY_IN_ADEN = datetime(2025, 6, 15, 7, tzinfo=UTC)
WHIT_MONDAY_IN_DAKAR = datetime(2025, 6, 9, 10, tzinfo=UTC)  # 10:00 in Dakar
STAFF = Author("Amina Saleh", "what the country office says")


@pytest.fixture
def waiting(imported: Engine, app_env: pytest.MonkeyPatch) -> Engine:
    """The sample check-ins planned and due since 1 June 2025, under the default window."""
    plan(imported, CHECKIN, PLANNED_AT)
    with transaction(imported) as session:
        session.execute(
            update(Message)
            .where(Message.status == MessageStatus.PLANNED)
            .values(due_at=datetime(2025, 6, 1, tzinfo=UTC))
        )
    app_env.delenv("CONTINUITY_SENDING_WINDOW")
    get_settings.cache_clear()
    return imported


def move_partners(engine: Engine, alpha3: str, time_zone: str) -> None:
    with transaction(engine) as session:
        session.execute(update(Partner).values(country=alpha3, time_zone=time_zone))


def planned(engine: Engine) -> list[Message]:
    return messages(engine, status=MessageStatus.PLANNED)


def test_the_default_window_is_working_hours_on_the_country_working_days(app_env) -> None:
    app_env.delenv("CONTINUITY_SENDING_WINDOW")
    get_settings.cache_clear()
    assert str(get_settings().window) == "09:00-17:00"


def test_in_yemen_nothing_goes_out_on_friday_and_the_mail_goes_on_sunday(
    waiting: Engine, outbox
) -> None:
    move_partners(waiting, "YEM", "Asia/Aden")
    waiting_count = len(planned(waiting))
    deliver_all(waiting, [CHECKIN], FRIDAY_IN_ADEN)
    assert outbox() == []
    deferred = planned(waiting)
    assert len(deferred) == waiting_count > 0
    assert {m.status_reason for m in deferred} == {
        "Friday is a weekend day in Yemen; deferred to 2025-06-15 09:00 Asia/Aden"
    }
    assert {(m.due_at, m.attempts) for m in deferred} == {(datetime(2025, 6, 15, 6, tzinfo=UTC), 0)}
    deliver_all(waiting, [CHECKIN], datetime(2025, 6, 14, 7, tzinfo=UTC))  # Saturday
    assert outbox() == []
    deliver_all(waiting, [CHECKIN], SUNDAY_IN_ADEN)
    assert len(outbox()) == waiting_count
    assert planned(waiting) == []


def test_nothing_goes_out_in_senegal_on_whit_monday_and_the_deferral_names_it(
    waiting: Engine, outbox
) -> None:
    move_partners(waiting, "SEN", "Africa/Dakar")
    deliver_all(waiting, [CHECKIN], WHIT_MONDAY_IN_DAKAR)
    assert outbox() == []
    assert {m.status_reason for m in planned(waiting)} == {
        "Pentecost Monday, a public holiday in Senegal; deferred to 2025-06-10 09:00 Africa/Dakar"
    }


def test_outside_working_hours_the_reason_names_the_hours_and_the_zone(
    waiting: Engine, outbox
) -> None:
    move_partners(waiting, "SEN", "Africa/Dakar")
    deliver_all(waiting, [CHECKIN], datetime(2025, 6, 10, 18, tzinfo=UTC))
    assert outbox() == []
    assert {m.status_reason for m in planned(waiting)} == {
        "outside working hours 09:00-17:00 (Africa/Dakar); deferred to 2025-06-11 09:00"
        " Africa/Dakar"
    }


def test_the_contact_own_time_zone_counts(waiting: Engine, outbox) -> None:
    move_partners(waiting, "SEN", "Africa/Dakar")
    target = planned(waiting)[0]
    with transaction(waiting) as session:
        session.get_one(Contact, target.contact_id).time_zone = "America/Bogota"
    deliver_all(waiting, [CHECKIN], datetime(2025, 6, 10, 10, tzinfo=UTC))  # 05:00 in Bogotá
    (late,) = planned(waiting)
    assert late.id == target.id
    assert late.status_reason.startswith("outside working hours 09:00-17:00 (America/Bogota)")
    assert late.due_at == datetime(2025, 6, 10, 14, tzinfo=UTC)


def test_a_working_week_staff_set_changes_what_goes_out(waiting: Engine, outbox) -> None:
    move_partners(waiting, "YEM", "Asia/Aden")
    with transaction(waiting) as session:
        set_week(session, checked_country("YE"), "sat-thu", STAFF, FRIDAY_IN_ADEN)
    deliver_all(waiting, [CHECKIN], datetime(2025, 6, 14, 7, tzinfo=UTC))  # Saturday
    assert outbox() and planned(waiting) == []


def test_a_closure_keeps_the_mail_and_says_so(waiting: Engine, outbox) -> None:
    move_partners(waiting, "SEN", "Africa/Dakar")
    with transaction(waiting) as session:
        senegal = checked_country("SN")
        close_day(session, senegal, date(2025, 6, 10), "Deuil national", STAFF, PLANNED_AT)
    deliver_all(waiting, [CHECKIN], datetime(2025, 6, 10, 10, tzinfo=UTC))
    assert outbox() == []
    assert {m.status_reason for m in planned(waiting)} == {
        "a closure in Senegal: Deuil national; deferred to 2025-06-11 09:00 Africa/Dakar"
    }


def test_a_deferral_skips_a_holiday_and_a_closure_after_the_weekend(
    waiting: Engine, outbox
) -> None:
    move_partners(waiting, "SEN", "Africa/Dakar")
    with transaction(waiting) as session:
        senegal = checked_country("SN")
        close_day(session, senegal, date(2025, 6, 10), "Deuil national", STAFF, PLANNED_AT)
    deliver_all(waiting, [CHECKIN], datetime(2025, 6, 7, 10, tzinfo=UTC))  # Saturday
    assert {m.due_at for m in planned(waiting)} == {datetime(2025, 6, 11, 9, tzinfo=UTC)}


def test_a_day_staff_opened_is_worked(waiting: Engine, outbox) -> None:
    move_partners(waiting, "SEN", "Africa/Dakar")
    with transaction(waiting) as session:
        open_day(session, checked_country("SEN"), date(2025, 6, 9), STAFF, PLANNED_AT)
    deliver_all(waiting, [CHECKIN], WHIT_MONDAY_IN_DAKAR)
    assert outbox() and planned(waiting) == []


def test_a_window_that_names_its_days_means_them_less_holidays(
    waiting: Engine, outbox, app_env
) -> None:
    app_env.setenv("CONTINUITY_SENDING_WINDOW", "mon-fri 09:00-17:00")
    get_settings.cache_clear()
    move_partners(waiting, "YEM", "Asia/Aden")
    deliver_all(waiting, [CHECKIN], FRIDAY_IN_ADEN)
    assert outbox() and planned(waiting) == []


def test_a_window_that_names_its_days_waits_on_other_days_and_on_holidays(
    waiting: Engine, outbox, app_env
) -> None:
    app_env.setenv("CONTINUITY_SENDING_WINDOW", "mon-fri 09:00-17:00")
    get_settings.cache_clear()
    move_partners(waiting, "SEN", "Africa/Dakar")
    deliver_all(waiting, [CHECKIN], datetime(2025, 6, 8, 10, tzinfo=UTC))  # Sunday
    assert {m.status_reason for m in planned(waiting)} == {
        "Sunday is outside the sending window's days (mon-fri 09:00-17:00);"
        " deferred to 2025-06-10 09:00 Africa/Dakar"
    }


def test_planning_on_a_weekend_day_plans_for_the_next_working_day(imported: Engine) -> None:
    move_partners(imported, "YEM", "Asia/Aden")
    friday = datetime(2026, 12, 4, 7, tzinfo=UTC)
    counts = plan(imported, CHECKIN, friday, window=parse_window("09:00-17:00"))
    deferred = planned(imported)
    assert counts.deferred == len(deferred) > 0
    assert {m.status_reason for m in deferred} == {
        "Friday is a weekend day in Yemen; deferred to 2026-12-06 09:00 Asia/Aden"
    }
