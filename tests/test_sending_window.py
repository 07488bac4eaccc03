from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tasks.sending_window import WindowError, parse_window, wait_for_window

WEEKDAYS = parse_window("mon-fri 09:00-17:00")
DAKAR = "Africa/Dakar"  # UTC+0 all year
BOGOTA = "America/Bogota"  # UTC-5


def test_office_hours_on_a_weekday_are_not_quiet() -> None:
    assert wait_for_window(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), DAKAR, WEEKDAYS) is None
    assert wait_for_window(datetime(2026, 12, 1, 16, 59, tzinfo=UTC), DAKAR, WEEKDAYS) is None


def test_the_window_is_read_in_the_recipient_time_zone() -> None:
    ten_utc = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert wait_for_window(ten_utc, DAKAR, WEEKDAYS) is None
    wait = wait_for_window(ten_utc, BOGOTA, WEEKDAYS)
    assert wait is not None
    assert wait.until == datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo(BOGOTA))
    assert wait.reason == "outside working hours 09:00-17:00 (America/Bogota)"


def test_friday_evening_defers_to_monday_morning() -> None:
    wait = wait_for_window(datetime(2026, 12, 4, 18, 0, tzinfo=UTC), DAKAR, WEEKDAYS)
    assert wait is not None
    assert wait.until == datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo(DAKAR))


def test_a_day_outside_a_window_that_names_its_days_says_so() -> None:
    wait = wait_for_window(datetime(2026, 12, 5, 10, 0, tzinfo=UTC), DAKAR, WEEKDAYS)
    assert wait is not None
    assert str(wait) == (
        "Saturday is outside the sending window's days (mon-fri 09:00-17:00);"
        " deferred to 2026-12-07 09:00 Africa/Dakar"
    )


def test_without_a_country_a_window_of_hours_opens_monday_to_friday() -> None:
    hours = parse_window("09:00-17:00")
    wait = wait_for_window(datetime(2026, 12, 5, 10, 0, tzinfo=UTC), DAKAR, hours)
    assert wait is not None
    assert wait.reason == "Saturday is a weekend day"
    assert wait.until == datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo(DAKAR))


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon-fri 09:00-17:00", {0, 1, 2, 3, 4}),
        ("sat,sun 10:00-12:00", {5, 6}),
        ("fri-mon 08:00-09:00", {4, 5, 6, 0}),
        ("09:00-17:00", None),
    ],
)
def test_it_parses_day_ranges_and_lists(text: str, days: set[int] | None) -> None:
    assert parse_window(text).weekdays == days


@pytest.mark.parametrize(
    "text",
    [
        "weekdays",
        "mon-fri 17:00-09:00",
        "mon-xyz 09:00-17:00",
        "mon-fri 25:00-26:00",
        "",
        "mon-fri\t09:00-17:00",
        "mon-fri 09:00-17:00\x00",
        "," * 100 + " 09:00-17:00",
        "09:00-17:00 mon-fri",
    ],
)
def test_a_bad_window_says_what_is_wrong(text: str) -> None:
    with pytest.raises(WindowError, match="sending window"):
        parse_window(text)


@pytest.mark.parametrize(
    "text",
    [
        "mon-fri 09:00-17:00",
        "mon,wed,fri 08:00-12:00",
        "thu-tue 10:00-11:30",
        "sun-thu 08:00-16:00",
        "sun 08:00-16:00",
        "mon-sun 00:00-23:59",
        "09:00-17:00",
    ],
)
def test_a_window_reads_back_as_written(text: str) -> None:
    assert str(parse_window(text)) == text


def test_in_a_repeated_hour_the_next_opening_is_never_in_the_past() -> None:
    """Santiago's clocks went back at 2024-04-07 00:00 (23:00 came twice): at 23:05 of the
    second pass, 23:15 of the first pass is already over."""
    now = datetime(2024, 4, 7, 3, 5, tzinfo=UTC)  # 23:05 local, the second time
    wait = wait_for_window(now, "America/Santiago", parse_window("mon-sun 23:15-23:59"))
    assert wait is not None and wait.until > now
