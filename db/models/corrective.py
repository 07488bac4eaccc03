"""Corrective-action plans of partnerships that ended early: measures and their audit trail."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base, Timestamped, enum_column, utcnow
from db.models.states import MeasureStatus

if TYPE_CHECKING:
    from db.models.partners import Contact
    from db.models.partnerships import Partnership


class CorrectivePlan(Timestamped, Base):
    """The corrective measures agreed for a partnership making little or no progress
    (guidance §4). One plan at most is open per partnership."""

    __tablename__ = "corrective_plans"
    __table_args__ = (
        Index(
            "uq_corrective_plans_open",
            "partnership_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    outcome: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None]
    recorded_by: Mapped[str] = mapped_column(String(256), default="")

    partnership: Mapped[Partnership] = relationship()
    measures: Mapped[list[CorrectiveMeasure]] = relationship(
        back_populates="plan", order_by="CorrectiveMeasure.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class CorrectiveMeasure(Timestamped, Base):
    """One measure of a plan: what, who answers for it (a partner contact or a UNICEF
    focal point, both contacts), by when, and the budget change it implies."""

    __tablename__ = "corrective_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("corrective_plans.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    budget_change: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    status: Mapped[MeasureStatus] = mapped_column(
        enum_column(MeasureStatus, 16), default=MeasureStatus.PLANNED
    )
    status_comment: Mapped[str] = mapped_column(Text, default="")
    status_at: Mapped[datetime | None]

    plan: Mapped[CorrectivePlan] = relationship(back_populates="measures")
    owner: Mapped[Contact] = relationship()

    @property
    def is_pending(self) -> bool:
        """True while the measure still needs doing."""
        return self.status not in (MeasureStatus.DONE, MeasureStatus.CANCELLED)

    def is_overdue(self, today: date) -> bool:
        return self.is_pending and today > self.due_on


class CorrectiveEvent(Base):
    """One line of a plan's audit trail: who did what, when, with the values before and
    after. Never updated, never deleted."""

    __tablename__ = "corrective_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("corrective_plans.id"), index=True)
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("corrective_measures.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(256))
    action: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
