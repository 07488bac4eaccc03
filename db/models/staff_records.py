"""What staff record for the flows to send: consultation events, policy updates, evaluations."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Date,
    ForeignKey,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base, Timestamped, enum_column, utcnow
from db.models.states import UpdateCategory

if TYPE_CHECKING:
    from db.models.partners import Contact
    from db.models.partnerships import Partnership


class ConsultationEvent(Timestamped, Base):
    """A consultation staff organise; ended partners it concerns are invited to it.

    Texts, the place too, are kept per language (`{"fr": …, "en": …}`; a place written once
    for every language is kept under "und", undetermined); an empty list of sections or
    countries means "all"."""

    __tablename__ = "consultation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[dict[str, Any]] = mapped_column(default=dict)
    topic: Mapped[dict[str, Any]] = mapped_column(default=dict)
    starts_at: Mapped[datetime]
    place: Mapped[dict[str, Any]] = mapped_column(default=dict)
    link: Mapped[str] = mapped_column(String(2048), default="")
    sections: Mapped[list[str]] = mapped_column(default=list)
    countries: Mapped[list[str]] = mapped_column(default=list)
    rsvp_deadline: Mapped[datetime | None]


class PolicyUpdate(Timestamped, Base):
    """A change of policy, a new priority or a development staff want partners to know."""

    __tablename__ = "policy_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[UpdateCategory] = mapped_column(enum_column(UpdateCategory))
    title: Mapped[dict[str, Any]] = mapped_column(default=dict)
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sections: Mapped[list[str]] = mapped_column(default=list)
    countries: Mapped[list[str]] = mapped_column(default=list)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestItem(Base):
    """One policy update included in one partner's digest: the update is not sent again."""

    __tablename__ = "digest_items"
    __table_args__ = (UniqueConstraint("update_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("policy_updates.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    occurrence_key: Mapped[str] = mapped_column(String(255))


class Evaluation(Timestamped, Base):
    """The final evaluation of a partnership: what it found, for its contributors. Texts and
    the discussion's place are kept per language, as an event's."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"), index=True)
    completed_on: Mapped[date] = mapped_column(Date)
    conclusions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    lessons: Mapped[dict[str, Any]] = mapped_column(default=dict)
    recommendations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    report_url: Mapped[str] = mapped_column(String(2048), default="")
    discussion_at: Mapped[datetime | None]
    discussion_place: Mapped[dict[str, Any]] = mapped_column(default=dict)

    partnership: Mapped[Partnership] = relationship()
    contributors: Mapped[list[EvaluationContributor]] = relationship(back_populates="evaluation")


class EvaluationContributor(Base):
    __tablename__ = "evaluation_contributors"
    __table_args__ = (UniqueConstraint("evaluation_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    role: Mapped[str] = mapped_column(String(128), default="contributor")

    evaluation: Mapped[Evaluation] = relationship(back_populates="contributors")
    contact: Mapped[Contact] = relationship()
