"""Queries on what staff set of countries' calendars: working weeks and closed or opened
days. They take a session and never commit."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import CalendarDay, WorkingWeek


def working_week(session: Session, country: str) -> WorkingWeek | None:
    """Return the working week staff set for `country` (alpha-3), or None."""
    return session.scalar(select(WorkingWeek).where(WorkingWeek.country == country))


def calendar_days(
    session: Session, country: str, start: date | None = None, end: date | None = None
) -> list[CalendarDay]:
    """Return the days staff closed or opened in `country` (alpha-3), by date; only those
    from `start` to `end` (both included) when given."""
    query = select(CalendarDay).where(CalendarDay.country == country)
    if start is not None:
        query = query.where(CalendarDay.day >= start)
    if end is not None:
        query = query.where(CalendarDay.day <= end)
    return list(session.scalars(query.order_by(CalendarDay.day)))


def calendar_day(session: Session, country: str, day: date) -> CalendarDay | None:
    """Return what staff said of `day` in `country`, or None."""
    return session.scalar(
        select(CalendarDay).where(CalendarDay.country == country, CalendarDay.day == day)
    )


def forget_working_week(session: Session, country: str) -> bool:
    """Delete the working week staff set for `country`; return whether there was one."""
    result = session.execute(delete(WorkingWeek).where(WorkingWeek.country == country))
    return bool(getattr(result, "rowcount", 0))


def forget_calendar_day(session: Session, country: str, day: date) -> bool:
    """Delete what staff said of `day` in `country`; return whether there was anything."""
    result = session.execute(
        delete(CalendarDay).where(CalendarDay.country == country, CalendarDay.day == day)
    )
    return bool(getattr(result, "rowcount", 0))
