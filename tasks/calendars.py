"""Country calendars: which days people work in a country, and why a day is off.

The `holidays` package knows each country's weekend and public holidays (Islamic ones
estimated: their names say "(estimated)"); staff's word comes first (db/models/calendars.py):
a working week of their own (`sun-thu`), days closed (an office holiday, a day of
mourning) and days opened after all (an estimated Eid on the wrong day). A country the
package does not know, or no country at all, works Monday to Friday with no holidays.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, lru_cache
from typing import Any

import holidays
from sqlalchemy.orm import Session

from db.calendars import calendar_days, working_week
from tasks.countries import country_by_code
from tasks.weekdays import day_name, parse_days

MONDAY_TO_FRIDAY = frozenset(range(5))
# Holiday names in English where the package has them (else its default language, never
# the process locale's, which the package would otherwise follow).
ENGLISH = ("en_US", "en_GB", "en")


@dataclass(frozen=True)
class StaffDay:
    """What staff said of one day: closed (with the closure's name) or open."""

    closed: bool
    name: str


@dataclass
class CountryCalendar:
    """One country's working days as the package and staff say them.

    `alpha2` is None when the package does not know the country (or there is none);
    `week` holds staff's working days when they set some, None for the package's.
    Answers are remembered: delivery asks for every message.
    """

    alpha3: str | None = None
    name: str = ""
    alpha2: str | None = None
    week: frozenset[int] | None = None
    staff_days: Mapping[date, StaffDay] = field(default_factory=dict)
    _answers: dict[tuple[date, bool], str | None] = field(
        default_factory=dict, init=False, repr=False
    )

    def day_off(self, day: date, weekends: bool = True) -> str | None:
        """Return why `day` is no working day ("a closure in Senegal: …", "Pentecost
        Monday, a public holiday in Senegal", "Friday is a weekend day in Yemen"), None when
        it is one. With `weekends` False only closures and holidays count (a sending window
        that names its own days). A day staff opened is a working day whatever the package
        says; a day they closed is closed whatever the week says."""
        key = (day, weekends)
        if key not in self._answers:
            self._answers[key] = self._reason(day, weekends)
        return self._answers[key]

    def is_working_day(self, day: date) -> bool:
        return self.day_off(day) is None

    def _reason(self, day: date, weekends: bool) -> str | None:
        staff = self.staff_days.get(day)
        if staff is not None:
            return f"a closure{self._in}: {staff.name}" if staff.closed else None
        if holiday := self.holiday(day):
            return f"{holiday}, a public holiday{self._in}"
        if weekends and not self._works_on(day):
            return f"{day_name(day.weekday())} is a weekend day{self._in}"
        return None

    @property
    def _in(self) -> str:
        return f" in {self.name}" if self.name else ""

    def holiday(self, day: date) -> str | None:
        """Return the package's name of the public holiday on `day`, or None."""
        return package_holidays(self.alpha2, day.year).get(day) if self.alpha2 else None

    def working_weekdays(self, on: date) -> frozenset[int]:
        """Return the weekdays worked in the week of `on`: staff's, else the package's."""
        return self.week if self.week is not None else self.package_weekdays(on)

    def package_weekdays(self, on: date) -> frozenset[int]:
        """Return the weekdays the package says are worked in the week of `on` (a country
        may have changed its weekend: Yemen's was Thursday to Friday until 2013); Monday to
        Friday when it does not know the country."""
        if self.alpha2 is None:
            return MONDAY_TO_FRIDAY
        return _package_week(self.alpha2, on - timedelta(days=on.weekday()))

    def _works_on(self, day: date) -> bool:
        """True when `day` is in the working week, or a weekend day the package says is
        worked in exchange for a bridge holiday (Belarus, Kazakhstan, Uzbekistan…) while
        staff kept the package's week."""
        if day.weekday() in self.working_weekdays(day):
            return True
        if self.week is not None or self.alpha2 is None:
            return False
        return day in package_holidays(self.alpha2, day.year).weekend_workdays


class Calendars:
    """The country calendars of one batch (or one planning, one report): staff's word is
    read once per country, so a change shows from the next batch on."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._found: dict[str, CountryCalendar] = {}

    def load(self, countries: Iterable[str | None]) -> Calendars:
        """Read the calendars of `countries` now (alpha-3 codes, None for none); return
        these calendars."""
        for alpha3 in set(countries):
            self.of(alpha3)
        return self

    def of(self, alpha3: str | None) -> CountryCalendar:
        """Return the calendar of the country `alpha3` (ISO 3166 alpha-3); Monday to
        Friday without holidays for None or a code that is no country."""
        key = (alpha3 or "").strip().upper()
        if key not in self._found:
            self._found[key] = country_calendar(self.session, key)
        return self._found[key]


def calendars_in(cache: dict[Any, Any], session: Session) -> Calendars:
    """Return the calendars kept in a batch's `cache`, made on first use."""
    if Calendars not in cache:
        cache[Calendars] = Calendars(session)
    found: Calendars = cache[Calendars]
    return found


def country_calendar(session: Session, alpha3: str) -> CountryCalendar:
    """Return the calendar of `alpha3` with what staff set for it; Monday to Friday without
    holidays when it is no country."""
    found = country_by_code(alpha3) if len(alpha3) == 3 else None
    if found is None:
        return CountryCalendar()
    week = working_week(session, found.alpha3)
    days = {row.day: StaffDay(row.closed, row.name) for row in calendar_days(session, found.alpha3)}
    return CountryCalendar(
        found.alpha3,
        found.name,
        found.alpha2 if found.alpha2 in supported_countries() else None,
        parse_days(week.days) if week else None,
        days,
    )


@cache
def supported_countries() -> frozenset[str]:
    """Return the alpha-2 codes the `holidays` package has a calendar for."""
    return frozenset(code for code in holidays.list_supported_countries() if len(code) == 2)


@lru_cache(maxsize=512)
def package_holidays(alpha2: str, year: int) -> holidays.HolidayBase:
    """Return the package's public holidays of `alpha2` in `year` (read-only: shared by
    the whole process), named in English where it can."""
    languages = getattr(holidays, alpha2).supported_languages
    language = next((code for code in ENGLISH if code in languages), None)
    return holidays.country_holidays(
        alpha2,
        years=year,
        expand=False,
        language=language or getattr(holidays, alpha2).default_language,
    )


@lru_cache(maxsize=4096)
def _package_week(alpha2: str, monday: date) -> frozenset[int]:
    found = package_holidays(alpha2, monday.year)
    return frozenset(day for day in range(7) if not found.is_weekend(monday + timedelta(days=day)))
