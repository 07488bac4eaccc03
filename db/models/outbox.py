"""The outbox: campaigns and their messages, one row per recipient and occurrence."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base, Timestamped, enum_column, utcnow
from db.models.states import MessageStatus, TouchpointKind

if TYPE_CHECKING:
    from db.models.partners import Contact
    from db.models.partnerships import Partnership


# Messages still to go, those that went wrong (or may have), and those staff must release.
_PENDING = frozenset({MessageStatus.PLANNED, MessageStatus.SENDING})
_FAILED = frozenset({MessageStatus.FAILED, MessageStatus.UNCONFIRMED})
_WENT = frozenset({MessageStatus.SENT, MessageStatus.BOUNCED})


class Campaign(Timestamped, Base):
    """One run's (or one ad-hoc campaign's) messages. Its `status` follows them
    (`follow`): `planned` while none has been tried yet (or it has none), `sending` once
    some went and others are still planned or being sent (deferred rows included),
    `held` while a failed render check holds some until staff release or cancel them.
    Once every message is final: `sent` when some went (bounced ones too: the server took
    them) and none failed, `partly failed` when some went and some failed or are
    unconfirmed, `failed` when none went and some failed, `cancelled` when staff
    cancelled it or every message not skipped was cancelled, `nothing sent` when every
    message was skipped (opted out, suppressed, erased). A cancelled campaign stays so
    (what had gone stays sent)."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TouchpointKind] = mapped_column(enum_column(TouchpointKind))
    name: Mapped[str] = mapped_column(String(256))
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(32), default="planned")
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    send_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)

    def follow(self, counts: Mapping[MessageStatus, int]) -> str:
        """Set and return the status its messages' `counts` by status give (see above)."""
        present = {status for status, count in counts.items() if count}
        if self.cancelled_at is not None or self.status == "cancelled":
            self.status = "cancelled"
        elif MessageStatus.HELD in present:
            self.status = "held"
        elif present & _PENDING:
            tried = present - {
                MessageStatus.PLANNED,
                MessageStatus.SKIPPED,
                MessageStatus.CANCELLED,
            }
            self.status = "sending" if tried else "planned"
        elif not present:
            self.status = "planned"
        else:
            self.status = _final_status(present)
        return self.status


def _final_status(present: set[MessageStatus]) -> str:
    """Return the status of a campaign whose messages are all final, by their statuses."""
    went, failed = present & _WENT, present & _FAILED
    if went:
        return "partly failed" if failed else "sent"
    if failed:
        return "failed"
    return "cancelled" if MessageStatus.CANCELLED in present else "nothing sent"


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
    kind: Mapped[TouchpointKind] = mapped_column(enum_column(TouchpointKind))
    language: Mapped[str] = mapped_column(String(8))
    occurrence_key: Mapped[str] = mapped_column(String(255))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(255))
    reminder_of_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    subject: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[MessageStatus] = mapped_column(
        enum_column(MessageStatus), default=MessageStatus.PLANNED, index=True
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
