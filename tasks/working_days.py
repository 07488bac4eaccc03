"""Working days: how long a partner's message has waited for a person, counted the way the
people who answer it work.

Those people are the UNICEF staff of the country office where the partner works, so the
partner's country calendar counts (tasks/calendars.py: its working week, less its public
holidays and staff's closures): a message from Yemen received on a Thursday has waited
one working day on the Sunday. Without a country, Monday to Friday.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tasks.calendars import CountryCalendar

MONDAY_TO_FRIDAY = CountryCalendar()


def working_days_between(
    start: date, end: date, calendar: CountryCalendar = MONDAY_TO_FRIDAY
) -> int:
    """Return the working days of `calendar` after `start` up to and including `end` (0
    when `end` is not after `start`): a message of Friday has waited 1 working day on
    Monday, none on a Monday that is a public holiday."""
    return sum(
        calendar.is_working_day(start + timedelta(days=offset))
        for offset in range(1, (end - start).days + 1)
    )


def waited_longer_than(
    received_at: datetime,
    now: datetime,
    working_days: int,
    calendar: CountryCalendar = MONDAY_TO_FRIDAY,
) -> bool:
    """True when a message received at `received_at` has waited more than `working_days`
    working days of `calendar` at `now` (both aware; counted on UTC dates)."""
    return working_days_between(received_at.date(), now.date(), calendar) > working_days
