"""Partnerships, their follow-up plans and the eTools import runs that brought them."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base, Timestamped, enum_column, utcnow
from db.models.states import ENDED_STATUSES, InterventionStatus, TouchpointKind

if TYPE_CHECKING:
    from db.models.partners import Partner


class Partnership(Timestamped, Base):
    __tablename__ = "partnerships"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference_number: Mapped[str] = mapped_column(String(128), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    document_type: Mapped[str] = mapped_column(String(16))
    agreement: Mapped[str] = mapped_column(String(128), default="")
    status: Mapped[InterventionStatus] = mapped_column(enum_column(InterventionStatus), index=True)
    country: Mapped[str | None] = mapped_column(String(3), index=True)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    offices: Mapped[list[str]] = mapped_column(default=list)
    sections: Mapped[list[str]] = mapped_column(default=list)
    focal_points: Mapped[list[str]] = mapped_column(default=list)

    partner: Mapped[Partner] = relationship(back_populates="partnerships")
    plans: Mapped[list[FollowUpPlan]] = relationship(back_populates="partnership")

    @hybrid_property
    def has_ended(self) -> bool:
        """True when the partnership is over (`ENDED_STATUSES`); a query condition too."""
        return self.status in ENDED_STATUSES

    @has_ended.inplace.expression
    @classmethod
    def _has_ended_condition(cls) -> ColumnElement[bool]:
        return cls.status.in_(sorted(ENDED_STATUSES))

    def in_audience(self, countries: list[str], sections: list[str]) -> bool:
        """Return True when the partnership is in one of `countries` and works in one of
        `sections`; an empty list means any."""
        in_country = not countries or self.country in countries
        in_section = not sections or bool(set(sections) & set(self.sections))
        return in_country and in_section


class FollowUpPlan(Timestamped, Base):
    """One touchpoint kind followed for one partnership, on an APScheduler cadence."""

    __tablename__ = "follow_up_plans"
    __table_args__ = (
        UniqueConstraint("partnership_id", "kind"),
        # "Who is due now" reads only the active rows whose next_due_at has passed; a
        # touchpoint's (kind's) due plans come in the order db.plans reads them in batches.
        Index(
            "ix_follow_up_plans_due",
            "next_due_at",
            "kind",
            "id",
            # Each predicate spelled as SQLAlchemy renders the query's condition, so
            # SQLite's planner can prove the query implies it.
            sqlite_where=text("active = 1"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    kind: Mapped[TouchpointKind] = mapped_column(enum_column(TouchpointKind))
    cadence: Mapped[str] = mapped_column(String(128))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    next_due_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    policy_version: Mapped[int] = mapped_column(Integer, default=1)

    partnership: Mapped[Partnership] = relationship(back_populates="plans")


class ImportRun(Base):
    """One eTools import applied to the database: when, from which files, what changed."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    files: Mapped[dict[str, Any]] = mapped_column(default=dict)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
