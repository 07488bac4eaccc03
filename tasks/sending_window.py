"""Quiet hours: mail goes out only inside the recipient's local sending window.

A window is written `mon-fri 09:00-17:00` (days by name, a range or a comma list, then a
local time range); the default keeps mail to office hours on weekdays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(r"(?P<days>[a-z,\-]+) (?P<start>[0-2]\d:[0-5]\d)-(?P<end>[0-2]\d:[0-5]\d)")


class WindowError(ValueError):
    """A sending window that does not parse."""


@dataclass(frozen=True)
class SendingWindow:
    weekdays: frozenset[int]
    start: time
    end: time

    def __str__(self) -> str:
        runs: list[list[int]] = []
        for day in sorted(self.weekdays):
            if runs and runs[-1][-1] == day - 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        days = ",".join(
            DAYS[run[0]] if len(run) == 1 else f"{DAYS[run[0]]}-{DAYS[run[-1]]}" for run in runs
        )
        return f"{days} {self.start:%H:%M}-{self.end:%H:%M}"


@lru_cache(maxsize=64)
def parse_window(text: str) -> SendingWindow:
    """Return the window `text` describes; raise `WindowError` saying what is wrong.
    Parsed once per text: delivery asks for it for every message."""
    match = _WINDOW.fullmatch(text.strip().lower())
    if not match:
        raise WindowError(f"sending window {text!r} must look like 'mon-fri 09:00-17:00'")
    try:
        start, end = time.fromisoformat(match["start"]), time.fromisoformat(match["end"])
    except ValueError:
        raise WindowError(f"sending window {text!r} has an impossible time") from None
    if start >= end:
        raise WindowError(f"sending window {text!r} must end after it starts")
    return SendingWindow(_weekdays(match["days"], text), start, end)


def _weekdays(spec: str, text: str) -> frozenset[int]:
    days: set[int] = set()
    for part in spec.split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise WindowError(f"sending window {text!r}: unknown day in {part!r}")
        low, high = DAYS.index(first), DAYS.index(last or first)
        days.update(range(low, high + 1) if low <= high else [*range(low, 7), *range(0, high + 1)])
    return frozenset(days)


def is_quiet_hour(moment: datetime, time_zone: str, window: SendingWindow) -> bool:
    """Return True when `moment` falls outside the window in `time_zone`."""
    local = moment.astimezone(ZoneInfo(time_zone))
    inside = local.weekday() in window.weekdays and window.start <= local.time() < window.end
    return not inside


def next_window_start(moment: datetime, time_zone: str, window: SendingWindow) -> datetime:
    """Return `moment` if it is inside the window, else when the next window opens there."""
    if not is_quiet_hour(moment, time_zone, window):
        return moment
    zone = ZoneInfo(time_zone)
    local = moment.astimezone(zone)
    for days_ahead in range(8):
        day = local.date() + timedelta(days=days_ahead)
        opening = datetime.combine(day, window.start, tzinfo=zone)
        if day.weekday() in window.weekdays and opening > local:
            return opening
    raise AssertionError("a window with at least one weekday opens within a week")
