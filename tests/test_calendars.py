"""Country calendars: the holidays package's weekends and public holidays, under staff's
working weeks, closures and openings."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine

from db.engine import transaction
from tasks.calendar_changes import (
    Author,
    CalendarError,
    checked_author,
    checked_country,
    checked_day,
    close_day,
    forget_day,
    open_day,
    reset_week,
    set_week,
    year_view,
)
from tasks.calendars import Calendars, CountryCalendar, package_holidays
from tasks.countries import country_by_code

AT = datetime(2025, 6, 1, tzinfo=UTC)
STAFF = Author("Amina Saleh", "the office works Sunday to Wednesday")
YEMEN = CountryCalendar("YEM", "Yemen", "YE")
SENEGAL = CountryCalendar("SEN", "Senegal", "SN")


def test_friday_is_a_weekend_day_in_yemen_and_sunday_a_working_day() -> None:
    assert YEMEN.day_off(date(2025, 6, 13)) == "Friday is a weekend day in Yemen"
    assert YEMEN.day_off(date(2025, 6, 14)) == "Saturday is a weekend day in Yemen"
    assert YEMEN.day_off(date(2025, 6, 15)) is None


def test_yemen_worked_on_saturdays_before_it_moved_its_weekend_in_2013() -> None:
    assert YEMEN.day_off(date(2013, 7, 6)) is None  # a Saturday before 15 August 2013
    assert YEMEN.day_off(date(2013, 7, 4)) == "Thursday is a weekend day in Yemen"


def test_a_public_holiday_is_named_in_english() -> None:
    assert SENEGAL.day_off(date(2025, 6, 9)) == "Pentecost Monday, a public holiday in Senegal"
    assert YEMEN.day_off(date(2025, 6, 9)) == "Eid al-Adha (estimated), a public holiday in Yemen"


def test_holiday_names_do_not_follow_the_process_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGUAGE", "fr")
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    package_holidays.cache_clear()
    assert CountryCalendar("FRA", "France", "FR").holiday(date(2025, 7, 14)) == "National Day"


def test_a_saturday_the_package_moves_work_to_is_a_working_day() -> None:
    uzbekistan = CountryCalendar("UZB", "Uzbekistan", "UZ")
    assert uzbekistan.day_off(date(2025, 1, 4)) is None  # worked for the 2 January bridge
    assert uzbekistan.day_off(date(2025, 1, 11)) == "Saturday is a weekend day in Uzbekistan"


def test_without_a_country_people_work_monday_to_friday_with_no_holidays() -> None:
    nowhere = CountryCalendar()
    assert nowhere.day_off(date(2025, 12, 25)) is None
    assert nowhere.day_off(date(2025, 12, 27)) == "Saturday is a weekend day"


def test_a_window_with_its_own_days_asks_only_for_closures_and_holidays() -> None:
    assert YEMEN.day_off(date(2025, 6, 13), weekends=False) is None
    assert SENEGAL.day_off(date(2025, 6, 9), weekends=False) is not None


def test_calendars_read_staff_word_once_per_country(engine: Engine) -> None:
    with transaction(engine) as session:
        set_week(session, checked_country("YE"), "sun-wed", STAFF, AT)
    with transaction(engine) as session:
        calendars = Calendars(session)
        yemen = calendars.of("YEM")
        assert calendars.of("yem") is yemen and calendars.load(["YEM", None]) is calendars
        assert yemen.day_off(date(2025, 6, 19)) == "Thursday is a weekend day in Yemen"
        assert calendars.of(None).day_off(date(2025, 6, 19)) is None
        assert calendars.of("ZZZ").name == ""


def test_staff_week_closure_and_opening_come_before_the_package(engine: Engine) -> None:
    senegal, yemen = checked_country("sen"), checked_country("YEM")
    with transaction(engine) as session:
        close_day(session, senegal, date(2025, 6, 10), "Deuil national", STAFF, AT)
        open_day(session, yemen, date(2025, 6, 9), STAFF, AT)
        open_day(session, yemen, date(2025, 6, 14), STAFF, AT)
    with transaction(engine) as session:
        calendars = Calendars(session)
        assert calendars.of("SEN").day_off(date(2025, 6, 10)) == (
            "a closure in Senegal: Deuil national"
        )
        assert calendars.of("YEM").day_off(date(2025, 6, 9)) is None
        assert calendars.of("YEM").day_off(date(2025, 6, 14)) is None
        assert calendars.of("YEM").day_off(date(2025, 6, 13)) is not None


def test_forgetting_a_day_and_resetting_the_week_give_the_package_back(engine: Engine) -> None:
    yemen = checked_country("YE")
    with transaction(engine) as session:
        set_week(session, yemen, "mon-fri", STAFF, AT)
        close_day(session, yemen, date(2025, 6, 15), "Office move", STAFF, AT)
    with transaction(engine) as session:
        assert forget_day(session, yemen, date(2025, 6, 15))
        assert not forget_day(session, yemen, date(2025, 6, 15))
        assert reset_week(session, yemen) and not reset_week(session, yemen)
    with transaction(engine) as session:
        assert Calendars(session).of("YEM").day_off(date(2025, 6, 15)) is None
        assert Calendars(session).of("YEM").day_off(date(2025, 6, 13)) is not None


def test_a_day_worked_already_cannot_be_opened(engine: Engine) -> None:
    with (
        pytest.raises(CalendarError, match="working day in Yemen already"),
        transaction(engine) as session,
    ):
        open_day(session, checked_country("YEM"), date(2025, 6, 15), STAFF, AT)


def test_setting_a_week_again_replaces_it(engine: Engine) -> None:
    yemen = checked_country("YEM")
    with transaction(engine) as session:
        set_week(session, yemen, "sun-wed", STAFF, AT)
        assert set_week(session, yemen, "SUN-THU", STAFF, AT).days == "sun-thu"
    with transaction(engine) as session:
        assert Calendars(session).of("YEM").week == frozenset({6, 0, 1, 2, 3})


def test_the_year_view_lists_holidays_and_staff_days_with_who_and_why(engine: Engine) -> None:
    yemen = checked_country("YEM")
    with transaction(engine) as session:
        set_week(session, yemen, "sun-wed", STAFF, AT)
        open_day(session, yemen, date(2025, 6, 9), STAFF, AT)
        close_day(session, yemen, date(2025, 12, 31), "Year-end closure", STAFF, AT)
    with transaction(engine) as session:
        view = year_view(session, yemen, 2025)
    assert (view["working_days"], view["package_working_days"]) == ("sun-wed", "sun-thu")
    assert view["week_set"]["by"] == "Amina Saleh"
    days = {day["date"]: day for day in view["days"]}
    assert days["2025-06-09"]["name"] == "Eid al-Adha (estimated)"
    assert (days["2025-06-09"]["source"], days["2025-06-09"]["worked"]) == (
        "opened by staff",
        True,
    )
    assert days["2025-12-31"]["source"] == "closed by staff"
    assert days["2025-05-22"] == {
        "date": "2025-05-22",
        "weekday": "Thursday",
        "name": "Unity Day",
        "source": "public holiday",
        "worked": False,
        "set": None,
    }


@pytest.mark.parametrize(
    ("code", "alpha3"),
    [("ye", "YEM"), ("YEM", "YEM"), ("Sn", "SEN"), (" sen ", "SEN"), ("YMD", "YEM")],
)
def test_a_country_is_given_by_its_alpha_2_or_alpha_3_code(code: str, alpha3: str) -> None:
    assert checked_country(code).alpha3 == alpha3
    assert country_by_code(code) == checked_country(code)


@pytest.mark.parametrize("code", ["", "XX", "ZZZ", "YEME", "Y", "1", "ÿe", "Y\x00E", "YE" * 500])
def test_an_unknown_country_is_refused(code: str) -> None:
    with pytest.raises(CalendarError, match="not an ISO 3166 country code"):
        checked_country(code)


@pytest.mark.parametrize(
    "value", ["2025-02-30", "2025-13-01", "13/06/2025", "", "1999-12-31", "2101-01-01", "9" * 99]
)
def test_an_impossible_date_is_refused(value: str) -> None:
    with pytest.raises(CalendarError, match="not a date"):
        checked_day(value)


@pytest.mark.parametrize(
    ("by", "reason", "message"),
    [
        ("", "why", "--by is required"),
        ("Amina", "  ", "--reason is required"),
        ("Amina", "x" * 501, "--reason: one line"),
        ("A" * 257, "why", "--by: one line"),
        ("Amina", "line\nbreak", "--reason: one line"),
        ("Amina\x1b[2J", "why", "--by: one line"),
    ],
)
def test_a_change_needs_a_name_and_a_reason_fit_to_keep(by: str, reason: str, message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        checked_author(by, reason)


def test_a_closure_needs_a_name_fit_to_show(engine: Engine) -> None:
    for name in ("", "x" * 257, "Deuil\x00national"):
        with pytest.raises(CalendarError, match="--name"), transaction(engine) as session:
            close_day(session, checked_country("SEN"), date(2025, 6, 10), name, STAFF, AT)


@pytest.mark.parametrize("days", ["", "mon-xyz", "weekdays", "," * 80])
def test_a_week_that_does_not_parse_is_refused(engine: Engine, days: str) -> None:
    with pytest.raises(CalendarError, match="DAYS"), transaction(engine) as session:
        set_week(session, checked_country("YEM"), days, STAFF, AT)
