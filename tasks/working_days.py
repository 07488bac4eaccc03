"""Working days: how long a partner's message has waited for a person, counted the way the
people who answer it work (Monday to Friday)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

WEEKEND = frozenset({5, 6})  # Saturday, Sunday


def working_days_between(start: date, end: date) -> int:
    """Return the working days after `start` up to and including `end` (0 when `end` is
    not after `start`): a message of Friday has waited 1 working day on Monday."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(1, rest + 1):
        if (start + timedelta(days=weeks * 7 + offset)).weekday() not in WEEKEND:
            count += 1
    return count


def waited_longer_than(received_at: datetime, now: datetime, working_days: int) -> bool:
    """True when a message received at `received_at` has waited more than `working_days`
    working days at `now` (both aware; counted on UTC dates)."""
    return working_days_between(received_at.date(), now.date()) > working_days
