"""Cadences of follow-up plans, written as short text and computed with APScheduler triggers.

A cadence is one of:
- `every N months at HH:MM` (also days, weeks, years): a `CalendarIntervalTrigger`,
  counted from the plan's start, on the same wall-clock time in the partner's time zone;
- `cron MIN HOUR DOM MON DOW`: a `CronTrigger` in the partner's time zone, weekdays by
  name (`mon-fri`) since crontab and APScheduler number them differently;
- `on event`: no clock; the plan is due whenever staff record an event for it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.calendarinterval import CalendarIntervalTrigger
from apscheduler.triggers.cron import CronTrigger

EVENT_DRIVEN = "on event"
_EVERY = re.compile(
    r"every (?P<count>[1-9]\d{0,2}) (?P<unit>days|weeks|months|years)"
    r" at (?P<hour>[01]\d|2[0-3]):(?P<minute>[0-5]\d)"
)


class CadenceError(ValueError):
    """A cadence text that does not parse."""


def validated_cadence(cadence: str) -> str:
    """Return `cadence` unchanged if it parses, else raise `CadenceError` saying why."""
    trigger_for(cadence, "UTC", datetime(2000, 1, 1, tzinfo=ZoneInfo("UTC")), None)
    return cadence


def trigger_for(
    cadence: str, time_zone: str, starts_at: datetime, ends_at: datetime | None
) -> BaseTrigger | None:
    """Return the trigger for `cadence` in `time_zone`, or None for an event-driven cadence."""
    zone = ZoneInfo(time_zone)
    if cadence == EVENT_DRIVEN:
        return None
    if match := _EVERY.fullmatch(cadence):
        at = time(int(match["hour"]), int(match["minute"]))
        return CalendarIntervalTrigger(
            **{match["unit"]: int(match["count"])},
            hour=at.hour,
            minute=at.minute,
            start_date=starts_at.astimezone(zone).date(),
            end_date=_last_day_before(ends_at, at, zone) if ends_at else None,
            timezone=zone,
        )
    if cadence.startswith("cron "):
        return _cron_trigger(cadence, zone, starts_at, ends_at)
    raise CadenceError(
        f"unknown cadence {cadence!r}: use 'every N months at HH:MM', 'cron …' or 'on event'"
    )


def _last_day_before(ends_at: datetime, at: time, zone: ZoneInfo) -> date:
    """Return the last local day whose occurrence at `at` is still before `ends_at`
    (windows end exclusively; APScheduler's end dates are inclusive)."""
    local_end = ends_at.astimezone(zone)
    return local_end.date() if local_end.time() > at else local_end.date() - timedelta(days=1)


def _cron_trigger(
    cadence: str, zone: ZoneInfo, starts_at: datetime, ends_at: datetime | None
) -> CronTrigger:
    fields = cadence.removeprefix("cron ").split()
    if len(fields) != 5:
        raise CadenceError(f"bad cron cadence {cadence!r}: expected 5 fields")
    if any(character.isdigit() for character in fields[4]):
        # Crontab counts Sunday as 0, APScheduler Monday: names leave no doubt.
        raise CadenceError(f"bad cron cadence {cadence!r}: name the weekdays (mon-fri)")
    minute, hour, day, month, day_of_week = fields
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=day_of_week,
            start_date=starts_at,
            end_date=ends_at - timedelta(microseconds=1) if ends_at else None,
            timezone=zone,
        )
    except ValueError as error:
        raise CadenceError(f"bad cron cadence {cadence!r}: {error}") from None


def first_due_at(trigger: BaseTrigger | None, starts_at: datetime) -> datetime | None:
    """Return the first occurrence at or after `starts_at`; None if event-driven or none left."""
    if trigger is None:
        return None
    return trigger.get_next_fire_time(None, starts_at)


def due_from(trigger: BaseTrigger | None, moment: datetime) -> datetime | None:
    """Return the first occurrence at or after `moment`, or None when there is none."""
    if trigger is None:
        return None
    fire = trigger.get_next_fire_time(None, moment)
    while fire is not None and fire < moment:
        fire = trigger.get_next_fire_time(fire, moment)
    return fire


def next_due_after(trigger: BaseTrigger | None, after: datetime) -> datetime | None:
    """Return the first occurrence strictly after `after`, or None when there is none."""
    if trigger is None:
        return None
    fire = trigger.get_next_fire_time(None, after)
    while fire is not None and fire <= after:
        fire = trigger.get_next_fire_time(fire, after)
    return fire
