"""What comes back: answers, inbound mail as received, the register of spheres of influence."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base, Timestamped, enum_column, utcnow
from db.models.outbox import Message
from db.models.states import ResponseChannel

if TYPE_CHECKING:
    from db.models.partners import Contact
    from db.models.partnerships import Partnership


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
    channel: Mapped[ResponseChannel] = mapped_column(enum_column(ResponseChannel))
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
