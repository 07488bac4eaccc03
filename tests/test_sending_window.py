from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tasks.sending_window import WindowError, is_quiet_hour, next_window_start, parse_window

WEEKDAYS = parse_window("mon-fri 09:00-17:00")
DAKAR = "Africa/Dakar"  # UTC+0 all year
BOGOTA = "America/Bogota"  # UTC-5


def test_office_hours_on_a_weekday_are_not_quiet() -> None:
    assert not is_quiet_hour(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), DAKAR, WEEKDAYS)
    assert not is_quiet_hour(datetime(2026, 12, 1, 16, 59, tzinfo=UTC), DAKAR, WEEKDAYS)


def test_the_window_is_read_in_the_recipient_time_zone() -> None:
    ten_utc = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert not is_quiet_hour(ten_utc, DAKAR, WEEKDAYS)
    assert is_quiet_hour(ten_utc, BOGOTA, WEEKDAYS)
    assert next_window_start(ten_utc, BOGOTA, WEEKDAYS) == datetime(
        2026, 12, 1, 9, 0, tzinfo=ZoneInfo(BOGOTA)
    )


def test_friday_evening_defers_to_monday_morning() -> None:
    friday_evening = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    assert next_window_start(friday_evening, DAKAR, WEEKDAYS) == datetime(
        2026, 12, 7, 9, 0, tzinfo=ZoneInfo(DAKAR)
    )


def test_a_moment_inside_the_window_is_its_own_start() -> None:
    moment = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert next_window_start(moment, DAKAR, WEEKDAYS) == moment


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon-fri 09:00-17:00", {0, 1, 2, 3, 4}),
        ("sat,sun 10:00-12:00", {5, 6}),
        ("fri-mon 08:00-09:00", {4, 5, 6, 0}),
    ],
)
def test_it_parses_day_ranges_and_lists(text: str, days: set[int]) -> None:
    assert parse_window(text).weekdays == days


@pytest.mark.parametrize(
    "text", ["weekdays", "mon-fri 17:00-09:00", "mon-xyz 09:00-17:00", "mon-fri 25:00-26:00", ""]
)
def test_a_bad_window_says_what_is_wrong(text: str) -> None:
    with pytest.raises(WindowError, match="sending window"):
        parse_window(text)


@pytest.mark.parametrize(
    "text", ["mon-fri 09:00-17:00", "mon,wed,fri 08:00-12:00", "mon-tue,thu-sun 10:00-11:30"]
)
def test_a_window_reads_back_as_written(text: str) -> None:
    assert str(parse_window(text)) == text
