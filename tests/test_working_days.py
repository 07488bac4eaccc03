from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tasks.calendars import CountryCalendar
from tasks.working_days import waited_longer_than, working_days_between


def test_a_friday_message_has_waited_one_working_day_on_monday() -> None:
    assert working_days_between(date(2026, 12, 4), date(2026, 12, 7)) == 1


def test_the_weekend_does_not_count() -> None:
    assert working_days_between(date(2026, 12, 4), date(2026, 12, 6)) == 0


def test_no_time_has_passed_before_the_message() -> None:
    assert working_days_between(date(2026, 12, 7), date(2026, 12, 1)) == 0


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 400))
def test_it_counts_as_walking_the_calendar_would(start: date, days: int) -> None:
    walked = sum(
        1 for offset in range(1, days + 1) if (start + timedelta(days=offset)).weekday() < 5
    )
    assert working_days_between(start, start + timedelta(days=days)) == walked


def test_a_message_waits_too_long_after_five_full_working_days() -> None:
    monday = datetime(2026, 12, 7, 10, tzinfo=UTC)
    assert not waited_longer_than(monday, datetime(2026, 12, 14, 9, tzinfo=UTC), 5)
    assert waited_longer_than(monday, datetime(2026, 12, 15, 9, tzinfo=UTC), 5)


YEMEN = CountryCalendar("YEM", "Yemen", "YE")


def test_in_yemen_a_thursday_message_has_waited_one_working_day_on_sunday() -> None:
    assert working_days_between(date(2025, 6, 19), date(2025, 6, 22), YEMEN) == 1
    assert working_days_between(date(2025, 6, 19), date(2025, 6, 21), YEMEN) == 0


def test_eid_does_not_count_as_waiting() -> None:
    # Eid al-Adha 2025 in Yemen, as the package estimates it: 5 to 10 June.
    assert working_days_between(date(2025, 6, 4), date(2025, 6, 11), YEMEN) == 1


def test_a_yemeni_message_waits_too_long_by_the_yemeni_week() -> None:
    thursday = datetime(2025, 6, 19, 10, tzinfo=UTC)
    assert not waited_longer_than(thursday, datetime(2025, 6, 22, 9, tzinfo=UTC), 1, YEMEN)
    assert waited_longer_than(thursday, datetime(2025, 6, 23, 9, tzinfo=UTC), 1, YEMEN)
    assert not waited_longer_than(thursday, datetime(2025, 6, 23, 9, tzinfo=UTC), 2)
