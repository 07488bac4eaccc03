"""Staff's word on a country's calendar, without a release: its working week, days closed
(an office holiday, a national day of mourning) and days opened after all (an estimated
Eid the package put on the wrong day). Each change says who made it and why; delivery
follows it from its next batch."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from db.calendars import (
    calendar_day,
    calendar_days,
    forget_calendar_day,
    forget_working_week,
    working_week,
)
from db.models import CalendarDay, WorkingWeek
from tasks.calendars import country_calendar, package_holidays
from tasks.countries import Country, country_by_code
from tasks.weekdays import day_name, days_text, parse_days

MAX_NAME = 256
MAX_REASON = 500
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
# Any control character, line breaks and tabs too: names and reasons are one line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class CalendarError(Exception):
    """A calendar change that cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class Author:
    """Who makes a change, and why: both required, one line each."""

    by: str
    reason: str


def checked_country(value: str) -> Country:
    """Return the country of an alpha-2 or alpha-3 code (any case); raise `CalendarError`
    for anything else."""
    found = country_by_code(value) if len(value) <= 8 else None
    if found is None:
        shown = repr(value[:12] + ("…" if len(value) > 12 else ""))
        raise CalendarError(f"{shown} is not an ISO 3166 country code (e.g. YE or YEM)")
    return found


def checked_day(value: str) -> date:
    """Return the ISO date `value` (YYYY-MM-DD) between 2000 and 2100; raise
    `CalendarError` for an impossible or malformed one."""
    try:
        day = date.fromisoformat(value.strip()) if len(value) <= 10 else None
    except ValueError:
        day = None
    if day is None or not EARLIEST <= day <= LATEST:
        raise CalendarError(f"{value[:12]!r} is not a date from 2000 to 2100 (YYYY-MM-DD)")
    return day


def checked_text(value: str, option: str, limit: int) -> str:
    """Return `value` stripped; raise `CalendarError` naming `option` when it is empty,
    longer than `limit` or holds a control character or line break."""
    value = value.strip()
    if not value:
        raise CalendarError(f"{option} is required")
    if len(value) > limit or _CONTROL.search(value):
        raise CalendarError(f"{option}: one line of at most {limit} characters")
    return value


def checked_author(by: str, reason: str) -> Author:
    """Return who makes a change and why; raise `CalendarError` when either is missing
    or unfit."""
    return Author(checked_text(by, "--by", MAX_NAME), checked_text(reason, "--reason", MAX_REASON))


def set_week(
    session: Session, found: Country, days: str, author: Author, now: datetime
) -> WorkingWeek:
    """Make `days` (`sun-thu`) the working week of `found` instead of the package's;
    return the stored week. Raise `CalendarError` for days that do not parse."""
    try:
        parsed = parse_days(days)
    except ValueError as error:
        raise CalendarError(f"DAYS: {error}") from None
    week = working_week(session, found.alpha3) or WorkingWeek(country=found.alpha3)
    week.days, week.set_by, week.reason, week.set_at = (
        days_text(parsed),
        author.by,
        author.reason,
        now,
    )
    session.add(week)
    return week


def reset_week(session: Session, found: Country) -> bool:
    """Go back to the package's working week; return False when staff had set none."""
    return forget_working_week(session, found.alpha3)


def close_day(
    session: Session, found: Country, day: date, name: str, author: Author, now: datetime
) -> CalendarDay:
    """Close `day` in `found` (mail waits, working days do not count it), named `name`;
    return the stored day. Replaces an earlier opening or closure of that day."""
    name = checked_text(name, "--name", MAX_NAME)
    return _store_day(session, found, day, True, name, author, now)


def open_day(
    session: Session, found: Country, day: date, author: Author, now: datetime
) -> CalendarDay:
    """Make `day` a working day in `found` after all (the package's holiday or weekend day
    is worked); return the stored day. Raise `CalendarError` when it is one already."""
    calendar = country_calendar(session, found.alpha3)
    others = {other: said for other, said in calendar.staff_days.items() if other != day}
    off = replace(calendar, staff_days=others).day_off(day)
    if off is None:
        raise CalendarError(
            f"{day} is a working day in {found.name} already (`forget` removes a closure)"
        )
    return _store_day(session, found, day, False, off[:MAX_NAME], author, now)


def forget_day(session: Session, found: Country, day: date) -> bool:
    """Remove staff's closure or opening of `day`; return False when there was none."""
    return forget_calendar_day(session, found.alpha3, day)


def _store_day(
    session: Session,
    found: Country,
    day: date,
    closed: bool,
    name: str,
    author: Author,
    now: datetime,
) -> CalendarDay:
    stored = calendar_day(session, found.alpha3, day) or CalendarDay(country=found.alpha3, day=day)
    stored.closed, stored.name, stored.set_at = closed, name, now
    stored.set_by, stored.reason = author.by, author.reason
    session.add(stored)
    return stored


def year_view(session: Session, found: Country, year: int) -> dict[str, Any]:
    """Return `found`'s calendar of `year` as `calendar show` prints it (and `--json`):
    its working days (staff's, with who and why, and the package's), the package's
    public holidays and staff's days, by date. Raise `CalendarError` for a year out of
    2000 to 2100."""
    if not EARLIEST.year <= year <= LATEST.year:
        raise CalendarError(f"--year: from {EARLIEST.year} to {LATEST.year}")
    calendar = country_calendar(session, found.alpha3)
    week = working_week(session, found.alpha3)
    first = date(year, 1, 1)
    days = {day: _holiday_row(day, name) for day, name in _holidays(calendar.alpha2, year)}
    for said in calendar_days(session, found.alpha3, first, date(year, 12, 31)):
        days[said.day] = _staff_row(said, days.get(said.day))
    return {
        "country": found.alpha3,
        "alpha2": found.alpha2,
        "name": found.name,
        "holidays_known": calendar.alpha2 is not None,
        "working_days": days_text(calendar.working_weekdays(first)),
        "package_working_days": days_text(calendar.package_weekdays(first)),
        "week_set": _said(week) if week else None,
        "year": year,
        "days": [days[day] for day in sorted(days)],
    }


def _holidays(alpha2: str | None, year: int) -> list[tuple[date, str]]:
    return sorted(package_holidays(alpha2, year).items()) if alpha2 else []


def _holiday_row(day: date, name: str) -> dict[str, Any]:
    return {
        "date": day.isoformat(),
        "weekday": day_name(day.weekday()),
        "name": name,
        "source": "public holiday",
        "worked": False,
        "set": None,
    }


def _staff_row(said: CalendarDay, holiday: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "date": said.day.isoformat(),
        "weekday": day_name(said.day.weekday()),
        "name": said.name if said.closed or holiday is None else holiday["name"],
        "source": "closed by staff" if said.closed else "opened by staff",
        "worked": not said.closed,
        "set": _said(said),
    }


def _said(row: WorkingWeek | CalendarDay) -> dict[str, str]:
    return {"by": row.set_by, "reason": row.reason, "at": row.set_at.isoformat()}
