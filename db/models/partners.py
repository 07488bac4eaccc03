"""Partners and their contacts, with the rules on a contact: bounces, suppression,
opt-out, heard from."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    and_,
    false,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from db.models.addresses import address_key
from db.models.base import Base, Timestamped, utcnow

if TYPE_CHECKING:
    from db.models.partnerships import Partnership


SOFT_BOUNCE_LIMIT = 3


SOFT_BOUNCE_SPAN = timedelta(days=7)

# A contact's role when neither eTools nor staff gave one, and the longest role kept.
DEFAULT_ROLE = "staff member"
ROLE_LENGTH = 128


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
    # As written (Unicode, NFC); `email_key` is what every spelling of it shares (the
    # domain in its ASCII form, no case), set with it.
    email: Mapped[str | None] = mapped_column(String(320))
    email_key: Mapped[str | None] = mapped_column(String(320), index=True)
    # As eTools gives it ("Coordinatrice, Thiès"), unless staff set it (`role_by_staff`):
    # then an import leaves it.
    role: Mapped[str] = mapped_column(String(ROLE_LENGTH), default=DEFAULT_ROLE)
    role_by_staff: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    language: Mapped[str] = mapped_column(String(8))
    # Set by staff for this person; None: the partner's.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    opted_out_at: Mapped[datetime | None]
    soft_bounces: Mapped[int] = mapped_column(Integer, default=0)
    hard_bounces: Mapped[int] = mapped_column(Integer, default=0)
    soft_bounce_since: Mapped[datetime | None]
    suppressed_at: Mapped[datetime | None]
    suppression_reason: Mapped[str | None] = mapped_column(String(512))
    # Erased at the person's request: nothing left identifies them (see db/erasure.py).
    erased_at: Mapped[datetime | None]

    partner: Mapped[Partner] = relationship(back_populates="contacts")

    @validates("email")
    def _keyed(self, _: str, email: str | None) -> str | None:
        """Store the address in NFC and its key with it."""
        written = unicodedata.normalize("NFC", email.strip()) if email else email
        self.email_key = address_key(written) or None if written else None
        return written

    @property
    def local_time_zone(self) -> str:
        """Return the time zone mail to this person goes by: their own, else the
        partner's."""
        return self.time_zone or self.partner.time_zone

    @property
    def status(self) -> str:
        """Return `erased`, `opted_out`, `suppressed` or `reachable` (an inactive contact,
        no longer listed by eTools, keeps the status it had)."""
        if self.erased_at is not None:
            return "erased"
        if self.opted_out_at is not None:
            return "opted_out"
        if self.suppressed_at is not None:
            return "suppressed"
        return "reachable"

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
        if self.erased_at is not None:
            return "erased"
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
            cls.erased_at.is_(None),
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

    def erase(self, now: datetime) -> None:
        """Forget who the person is (name, role, address and its key), keeping the row, so
        what they answered stays counted; inactive and erased, they are never mailed again.
        A role and place ("Coordinatrice, Thiès") can name someone as well as a name."""
        self.name, self.email, self.active, self.erased_at = "", None, False, now
        self.role, self.role_by_staff = DEFAULT_ROLE, False


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
