"""What staff say about a country's calendar, over what the `holidays` package knows: its
working week, and days closed (an office holiday, a day of mourning) or open after all (an
Islamic holiday the package estimated on the wrong day)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, utcnow


class WorkingWeek(Base):
    """A country's working days as staff set them (`sun-thu`), instead of the package's."""

    __tablename__ = "working_weeks"

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(3), unique=True)  # ISO 3166 alpha-3
    days: Mapped[str] = mapped_column(String(32))
    set_by: Mapped[str] = mapped_column(String(256))
    reason: Mapped[str] = mapped_column(Text, default="")
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalendarDay(Base):
    """One day of one country that staff closed (`closed`, with its name) or opened."""

    __tablename__ = "calendar_days"
    __table_args__ = (UniqueConstraint("country", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(3))  # ISO 3166 alpha-3
    day: Mapped[date] = mapped_column(Date)
    closed: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(256), default="")
    set_by: Mapped[str] = mapped_column(String(256))
    reason: Mapped[str] = mapped_column(Text, default="")
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
