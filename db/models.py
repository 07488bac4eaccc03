"""The data model: partners, their contacts and partnerships, follow-up plans, the outbox."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class InterventionStatus(enum.StrEnum):
    DRAFT = "draft"
    REVIEW = "review"
    SIGNATURE = "signature"
    SIGNED = "signed"
    ACTIVE = "active"
    CANCELLED = "cancelled"
    ENDED = "ended"
    CLOSED = "closed"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"
    EXPIRED = "expired"


# The statuses of a partnership that is over: the partners this product keeps in touch with.
ENDED_STATUSES = frozenset(
    {InterventionStatus.ENDED, InterventionStatus.CLOSED, InterventionStatus.TERMINATED}
)


class TouchpointKind(enum.StrEnum):
    CONSULTATION_INVITATION = "consultation_invitation"
    POLICY_DIGEST = "policy_digest"
    SUSTAINABILITY_CHECKIN = "sustainability_checkin"
    EVALUATION_FOLLOWUP = "evaluation_followup"
    REMINDER = "reminder"
    ADHOC = "adhoc"
    CORRECTIVE_ACTION = "corrective_action"
    CORRECTIVE_ESCALATION = "corrective_escalation"
    CAPACITY_ALERT = "capacity_alert"
    ACKNOWLEDGEMENT = "acknowledgement"


class MessageStatus(enum.StrEnum):
    PLANNED = "planned"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    BOUNCED = "bounced"
    # Handed to the mail server by a process that stopped before recording the answer:
    # it may or may not have gone out, so it is not resent without a human decision.
    UNCONFIRMED = "unconfirmed"
    # Its run's render check failed: never claimed for delivery until staff release it
    # (`continuity outbox release`, which checks it again) or cancel it.
    HELD = "held"


FINAL_STATUSES = frozenset(
    {
        MessageStatus.SENT,
        MessageStatus.FAILED,
        MessageStatus.SKIPPED,
        MessageStatus.CANCELLED,
        MessageStatus.BOUNCED,
        MessageStatus.UNCONFIRMED,
    }
)


class UpdateCategory(enum.StrEnum):
    POLICY_CHANGE = "policy_change"
    NEW_PRIORITY = "new_priority"
    DEVELOPMENT = "development"


class ResponseChannel(enum.StrEnum):
    PORTAL = "portal"
    EMAIL = "email"
    PHONE = "phone"
    MEETING = "meeting"
    OTHER = "other"


def _enum(kind: type[enum.StrEnum], length: int = 32) -> Enum:
    # Stored as plain strings (no native type, no CHECK) so adding a member needs no
    # table rebuild on SQLite; Python-side validation still refuses unknown values.
    return Enum(
        kind,
        native_enum=False,
        create_constraint=False,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


SOFT_BOUNCE_LIMIT = 3
SOFT_BOUNCE_SPAN = timedelta(days=7)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Partner(Timestamped, Base):
    """An organisation the product writes to: a partner, as eTools lists it, or UNICEF
    itself (`is_unicef`, one row at most), whose contacts are its staff: the focal points
    and test recipients of the staff directory. UNICEF is party to no partnership of its
    own, so what goes by partnerships (audiences, acknowledgements, the register of
    spheres of influence) never reaches staff."""

    __tablename__ = "partners"
    __table_args__ = (
        Index(
            "uq_partners_is_unicef",
            "is_unicef",
            unique=True,
            sqlite_where=text("is_unicef = 1"),
            postgresql_where=text("is_unicef"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_number: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(512))
    short_name: Mapped[str] = mapped_column(String(256), default="")
    partner_type: Mapped[str] = mapped_column(String(128), default="")
    cso_type: Mapped[str] = mapped_column(String(128), default="")
    country: Mapped[str | None] = mapped_column(String(3))
    language: Mapped[str] = mapped_column(String(8))
    time_zone: Mapped[str] = mapped_column(String(64))
    is_unicef: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    contacts: Mapped[list[Contact]] = relationship(back_populates="partner")
    partnerships: Mapped[list[Partnership]] = relationship(back_populates="partner")


class Contact(Timestamped, Base):
    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("partner_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    name: Mapped[str] = mapped_column(String(256))
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(128), default="staff member")
    language: Mapped[str] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    opted_out_at: Mapped[datetime | None]
    soft_bounces: Mapped[int] = mapped_column(Integer, default=0)
    hard_bounces: Mapped[int] = mapped_column(Integer, default=0)
    soft_bounce_since: Mapped[datetime | None]
    suppressed_at: Mapped[datetime | None]
    suppression_reason: Mapped[str | None] = mapped_column(String(512))

    partner: Mapped[Partner] = relationship(back_populates="contacts")

    @hybrid_property
    def is_staff(self) -> bool:
        """True for UNICEF staff (a contact of UNICEF's own row), not a partner's contact;
        a query condition too."""
        return self.partner.is_unicef

    @is_staff.inplace.expression
    @classmethod
    def _is_staff_condition(cls) -> ColumnElement[bool]:
        return cls.partner.has(Partner.is_unicef)

    def unreachable_reason(self) -> str | None:
        """Return why no mail may go to this contact, or None when it may."""
        if not self.active:
            return "inactive contact"
        if self.opted_out_at is not None:
            return "opted out"
        if self.suppressed_at is not None:
            return f"suppressed: {self.suppression_reason or 'bounces'}"
        if not self.email:
            return "no e-mail address"
        return None

    @hybrid_property
    def is_reachable(self) -> bool:
        """True when mail may go to the contact (no `unreachable_reason`); a query
        condition too."""
        return self.unreachable_reason() is None

    @is_reachable.inplace.expression
    @classmethod
    def _is_reachable_condition(cls) -> ColumnElement[bool]:
        return and_(
            cls.active,
            cls.opted_out_at.is_(None),
            cls.suppressed_at.is_(None),
            cls.email.is_not(None),
            cls.email != "",
        )

    def opt_out(self, now: datetime) -> bool:
        """Opt the contact out of every flow; return False when they already were."""
        if self.opted_out_at is not None:
            return False
        self.opted_out_at = now
        return True

    def record_bounce(self, hard: bool, why: str, now: datetime) -> str | None:
        """Count one bounce of a message to this contact; return the suppression reason
        when it suppresses them now, else None.

        A hard bounce (the address does not exist) suppresses at once. Soft ones (a full
        mailbox, a server down) suppress only when they repeat, at least
        `SOFT_BOUNCE_LIMIT` in a row over at least `SOFT_BOUNCE_SPAN`: a week of a full
        mailbox is a dead address, one bad afternoon is not. An answer ends the streak.
        """
        if hard:
            self.hard_bounces += 1
            return self.suppress(now, f"hard bounce: {why}")
        self.soft_bounces += 1
        self.soft_bounce_since = self.soft_bounce_since or now
        if self.soft_bounces < SOFT_BOUNCE_LIMIT or now - self.soft_bounce_since < SOFT_BOUNCE_SPAN:
            return None
        days = (now - self.soft_bounce_since).days
        return self.suppress(now, f"{self.soft_bounces} soft bounces over {days} days: {why}")

    def suppress(self, now: datetime, reason: str) -> str | None:
        """Suppress the contact; return the reason, or None when they already were."""
        if self.suppressed_at is not None:
            return None
        self.suppressed_at, self.suppression_reason = now, reason[:512]
        return self.suppression_reason

    def lift_suppression(self) -> None:
        """Mail the contact again, their bounce counts started afresh (staff decided)."""
        self.suppressed_at, self.suppression_reason = None, None
        self.soft_bounces, self.soft_bounce_since, self.hard_bounces = 0, None, 0

    def heard_from(self) -> None:
        """The contact answered: their address works, whatever bounced before."""
        self.soft_bounces, self.soft_bounce_since = 0, None


class Partnership(Timestamped, Base):
    __tablename__ = "partnerships"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference_number: Mapped[str] = mapped_column(String(128), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    document_type: Mapped[str] = mapped_column(String(16))
    agreement: Mapped[str] = mapped_column(String(128), default="")
    status: Mapped[InterventionStatus] = mapped_column(_enum(InterventionStatus), index=True)
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
    kind: Mapped[TouchpointKind] = mapped_column(_enum(TouchpointKind))
    cadence: Mapped[str] = mapped_column(String(128))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    next_due_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    policy_version: Mapped[int] = mapped_column(Integer, default=1)

    partnership: Mapped[Partnership] = relationship(back_populates="plans")


class Campaign(Timestamped, Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TouchpointKind] = mapped_column(_enum(TouchpointKind))
    name: Mapped[str] = mapped_column(String(256))
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(32), default="planned")
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    send_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Message(Timestamped, Base):
    """One outbox row: one message to one contact for one occurrence of a touchpoint."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("occurrence_key", "contact_id"),
        Index(
            "ix_messages_planned",
            "due_at",
            sqlite_where=text("status = 'planned'"),
            postgresql_where=text("status = 'planned'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnerships.id"), index=True)
    kind: Mapped[TouchpointKind] = mapped_column(_enum(TouchpointKind))
    language: Mapped[str] = mapped_column(String(8))
    occurrence_key: Mapped[str] = mapped_column(String(255))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(255))
    reminder_of_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    subject: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[MessageStatus] = mapped_column(
        _enum(MessageStatus), default=MessageStatus.PLANNED, index=True
    )
    status_reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(index=True)
    # Which claim holds the row: a delivery writes only rows its claim still holds.
    claim: Mapped[str | None] = mapped_column(String(32))
    handoff_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    server_reply: Mapped[str | None] = mapped_column(Text)
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)

    contact: Mapped[Contact] = relationship()
    partnership: Mapped[Partnership | None] = relationship()
    campaign: Mapped[Campaign | None] = relationship()
    reminder_of: Mapped[Message | None] = relationship(remote_side=[id])

    def mark_bounced(self, reason: str) -> None:
        """Record that the message came back. A bounce proves an unconfirmed hand-off
        reached the server; a row never handed over (planned, failed…) keeps its state."""
        if self.status in (MessageStatus.SENT, MessageStatus.UNCONFIRMED):
            self.status, self.status_reason = MessageStatus.BOUNCED, reason


class ConsultationEvent(Timestamped, Base):
    """A consultation staff organise; ended partners it concerns are invited to it.

    Texts are kept per language (`{"fr": …, "en": …}`); an empty list of sections or
    countries means "all"."""

    __tablename__ = "consultation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[dict[str, Any]] = mapped_column(default=dict)
    topic: Mapped[dict[str, Any]] = mapped_column(default=dict)
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(512), default="")
    link: Mapped[str] = mapped_column(String(2048), default="")
    sections: Mapped[list[str]] = mapped_column(default=list)
    countries: Mapped[list[str]] = mapped_column(default=list)
    rsvp_deadline: Mapped[datetime | None]


class PolicyUpdate(Timestamped, Base):
    """A change of policy, a new priority or a development staff want partners to know."""

    __tablename__ = "policy_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[UpdateCategory] = mapped_column(_enum(UpdateCategory))
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
    """The final evaluation of a partnership: what it found, for its contributors."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"), index=True)
    completed_on: Mapped[date] = mapped_column(Date)
    conclusions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    lessons: Mapped[dict[str, Any]] = mapped_column(default=dict)
    recommendations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    report_url: Mapped[str] = mapped_column(String(2048), default="")
    discussion_at: Mapped[datetime | None]
    discussion_place: Mapped[str] = mapped_column(String(512), default="")

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


# Response kinds that are no answer to the message: they never supersede or get superseded.
NOT_ANSWERS = ("auto_reply", "opt_out")
# The answers that form a message's revision history for one contact: those taken by the
# portal or entered by staff. E-mail replies stay outside it: each is a letter of its own,
# recorded as it came (collection never supersedes one), and opt-outs are requests.
REVISED = "message_id IS NOT NULL AND channel <> 'email' AND kind NOT IN ('auto_reply', 'opt_out')"


class Response(Timestamped, Base):
    """One answer from a partner, by any channel. A revised answer is a new row; the one
    it replaces keeps its content and gets `superseded_at`. The database holds at most one
    current (not superseded) answer per message and contact in the revision history, and
    each revision number once."""

    __tablename__ = "responses"
    __table_args__ = (
        Index(
            "uq_responses_current_answer",
            "message_id",
            "contact_id",
            unique=True,
            sqlite_where=text(f"{REVISED} AND superseded_at IS NULL"),
            postgresql_where=text(f"{REVISED} AND superseded_at IS NULL"),
        ),
        Index(
            "uq_responses_revision",
            "message_id",
            "contact_id",
            "revision",
            unique=True,
            sqlite_where=text(REVISED),
            postgresql_where=text(REVISED),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnerships.id"), index=True)
    channel: Mapped[ResponseChannel] = mapped_column(_enum(ResponseChannel))
    # The touchpoint answered (e.g. "sustainability_checkin"), so an answer by phone
    # stops reminders as surely as one through the portal.
    kind: Mapped[str] = mapped_column(String(64), default="answer")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    text: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    superseded_at: Mapped[datetime | None]
    recorded_by: Mapped[str] = mapped_column(String(256), default="")

    message: Mapped[Message | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    partnership: Mapped[Partnership | None] = relationship()


class InfluenceEntry(Timestamped, Base):
    """A person or body that can support a partnership's impact in the long run (the
    register of spheres of influence), named by a partner in a check-in or by staff."""

    __tablename__ = "influence_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"), index=True)
    name: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(16), default="person")
    role: Mapped[str] = mapped_column(String(512), default="")
    source: Mapped[str] = mapped_column(String(16), default="check-in")
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The name folded for matching ("Mairie de Kolda" = "mairie de  KOLDA."): the same
    # person or body named twice for one partnership is one entry.
    key: Mapped[str] = mapped_column(String(256), default="", index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("influence_entries.id"))
    recorded_by: Mapped[str] = mapped_column(String(256), default="")


class InboundMail(Timestamped, Base):
    """One mail read from the inbox, recorded once (by Message-ID, else mailbox key)
    before the mailbox is touched; the mail itself stays in the mailbox."""

    __tablename__ = "inbound_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(512), unique=True)
    mailbox_key: Mapped[str] = mapped_column(String(512))
    message_id_header: Mapped[str | None] = mapped_column(Text)
    from_address: Mapped[str] = mapped_column(String(512), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    classification: Mapped[str] = mapped_column(String(32), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Only a quarantined mail is kept here, byte for byte, for staff to look at: the others
    # stay in the mailbox.
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)


class ContactEvent(Base):
    """One line of a contact's history: a suppression, a complaint, a suppression lifted
    by staff, with who and why. Never updated, never deleted."""

    __tablename__ = "contact_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(256))
    action: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ImportRun(Base):
    """One eTools import applied to the database: when, from which files, what changed."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    files: Mapped[dict[str, Any]] = mapped_column(default=dict)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)


class MeasureStatus(enum.StrEnum):
    PLANNED = "planned"
    ON_TRACK = "on_track"
    LATE = "late"
    DONE = "done"
    CANCELLED = "cancelled"


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
        _enum(MeasureStatus, 16), default=MeasureStatus.PLANNED
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


class Acknowledgement(Timestamped, Base):
    """The public acknowledgement of an ended partnership (guidance §3): a text per
    language, published only once UNICEF staff and the partner have both approved the
    current revision, and unpublished when the partner withdraws consent."""

    __tablename__ = "acknowledgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"), unique=True)
    text: Mapped[dict[str, Any]] = mapped_column(default=dict)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    staff_approved_at: Mapped[datetime | None]
    staff_approved_by: Mapped[str] = mapped_column(String(256), default="")
    partner_approved_at: Mapped[datetime | None]
    partner_approved_by: Mapped[str] = mapped_column(String(256), default="")
    proposed_changes: Mapped[str] = mapped_column(Text, default="")
    withdrawn_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]

    partnership: Mapped[Partnership] = relationship()

    @property
    def is_publishable(self) -> bool:
        """True when both sides approved this revision, no change proposed to it is
        pending, and consent stands."""
        approved = self.staff_approved_at is not None and self.partner_approved_at is not None
        return approved and not self.proposed_changes and self.withdrawn_at is None

    @property
    def awaits_partner(self) -> bool:
        """True when staff approved this revision and the partner has not answered it."""
        return (
            self.staff_approved_at is not None
            and self.partner_approved_at is None
            and not self.proposed_changes
            and self.withdrawn_at is None
        )

    def revise(self, texts: dict[str, str]) -> None:
        """Replace the text in the languages given (the others are kept): a new revision,
        which both sides must approve again. A withdrawn consent is asked afresh with it:
        only the partner's approval of the new revision publishes anything."""
        self.text, self.revision = {**self.text, **texts}, self.revision + 1
        self.staff_approved_at = self.partner_approved_at = self.withdrawn_at = None
        self.staff_approved_by = self.partner_approved_by = self.proposed_changes = ""
