"""Quiet hours: mail goes out only inside the recipient's local sending window.

A window written as hours alone, `09:00-17:00` (the default), opens on the working days of
the recipient's country (tasks/calendars.py: its weekend, less its public holidays and
staff's closures). A window that names its days, `mon-fri 09:00-17:00` (a range or a comma
list), opens on those days whatever the country's weekend; its public holidays and
closures still keep it shut: nobody reads mail sent on a day off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from tasks.calendars import CountryCalendar
from tasks.weekdays import day_name, days_text, parse_days

_WINDOW = re.compile(
    r"(?:(?P<days>[a-z,\-]+) )?(?P<start>[0-2]\d:[0-5]\d)-(?P<end>[0-2]\d:[0-5]\d)"
)
# How far ahead the next opening is looked for: past Ramadan and Eid, year-end closures.
# A country closed for longer is looked at again then.
LOOKAHEAD_DAYS = 366
NO_COUNTRY = CountryCalendar()


class WindowError(ValueError):
    """A sending window that does not parse."""


@dataclass(frozen=True)
class SendingWindow:
    """Local hours `start` to `end` on `weekdays`, or (None) the country's working days."""

    weekdays: frozenset[int] | None
    start: time
    end: time

    def __str__(self) -> str:
        hours = f"{self.start:%H:%M}-{self.end:%H:%M}"
        return hours if self.weekdays is None else f"{days_text(self.weekdays)} {hours}"


@dataclass(frozen=True)
class Wait:
    """Why mail may not go out now, and when it may (aware, in the recipient's zone)."""

    reason: str
    until: datetime

    def __str__(self) -> str:
        return f"{self.reason}; deferred to {self.until:%Y-%m-%d %H:%M} {self.until.tzinfo}"


@lru_cache(maxsize=64)
def parse_window(text: str) -> SendingWindow:
    """Return the window `text` describes; raise `WindowError` saying what is wrong.
    Parsed once per text: delivery asks for it for every message."""
    match = _WINDOW.fullmatch(text.strip().lower())
    if not match:
        raise WindowError(
            f"sending window {text[:40]!r} must look like '09:00-17:00' (the country's"
            " working days) or 'mon-fri 09:00-17:00'"
        )
    try:
        start, end = time.fromisoformat(match["start"]), time.fromisoformat(match["end"])
    except ValueError:
        raise WindowError(f"sending window {text!r} has an impossible time") from None
    if start >= end:
        raise WindowError(f"sending window {text!r} must end after it starts")
    try:
        days = parse_days(match["days"]) if match["days"] else None
    except ValueError as error:
        raise WindowError(f"sending window {text!r}: {error}") from None
    return SendingWindow(days, start, end)


def wait_for_window(
    moment: datetime, time_zone: str, window: SendingWindow, calendar: CountryCalendar = NO_COUNTRY
) -> Wait | None:
    """Return None when mail may go out at `moment` to someone in `time_zone` working by
    `calendar`, else why not and when it may."""
    local = moment.astimezone(ZoneInfo(time_zone))
    reason = _day_closed(local.date(), window, calendar)
    if reason is None:
        if window.start <= local.time() < window.end:
            return None
        reason = f"outside working hours {window.start:%H:%M}-{window.end:%H:%M} ({time_zone})"
    return Wait(reason, next_opening(local, window, calendar))


def next_opening(local: datetime, window: SendingWindow, calendar: CountryCalendar) -> datetime:
    """Return when the window next opens after `local` (aware, in the recipient's zone);
    if it stays shut for LOOKAHEAD_DAYS, the start of that day (looked at again then)."""
    for ahead in range(LOOKAHEAD_DAYS):
        day = local.date() + timedelta(days=ahead)
        opening = datetime.combine(day, window.start, tzinfo=local.tzinfo)
        # Compared in UTC: in a repeated hour, equal wall times are different moments.
        later = opening.astimezone(UTC) > local.astimezone(UTC)
        if later and _day_closed(day, window, calendar) is None:
            return opening
    return datetime.combine(
        local.date() + timedelta(days=LOOKAHEAD_DAYS), window.start, tzinfo=local.tzinfo
    )


def _day_closed(day: date, window: SendingWindow, calendar: CountryCalendar) -> str | None:
    """Return why the window stays shut all `day`, None when it opens that day."""
    if window.weekdays is None:
        return calendar.day_off(day)
    if day.weekday() not in window.weekdays:
        return f"{day_name(day.weekday())} is outside the sending window's days ({window})"
    return calendar.day_off(day, weekends=False)
