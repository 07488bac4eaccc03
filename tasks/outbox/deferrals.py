"""Deferrals looked at again: a message the sending window deferred keeps the due time
the window and calendars of that moment gave it. Each delivery first asks the window and
calendars of now (`CONTINUITY_SENDING_WINDOW` widened, a closure lifted, a working week
or a contact's time zone changed): due at once when the window is open now, else at its
next opening.

One question per (time zone, country) pair, not per message, so it costs the same for ten
waiting messages as for a hundred thousand; when nothing changed, nothing is written.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from db.deferrals import deferral_places, move_deferred
from tasks.calendars import Calendars
from tasks.sending_window import SendingWindow, wait_for_window


def reevaluate_deferred(session: Session, window: SendingWindow, now: datetime) -> int:
    """Give every message the window deferred past `now` the due time `window` and the
    calendars give it now; return how many moved (0 when nothing changed)."""
    calendars, moved = Calendars(session), 0
    for place in deferral_places(session, now):
        zone, country = place
        wait = wait_for_window(now, zone, window, calendars.of(country))
        if wait is None:
            due_at, reason = now, f"due: the sending window ({window}) is open now"
        else:
            due_at, reason = wait.until.astimezone(UTC), str(wait)
        moved += move_deferred(session, now, place, due_at, reason)
    return moved
