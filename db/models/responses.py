"""What comes back: answers, inbound mail as received, the register of spheres of influence."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
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

# The answers that carry a partner's own words, in the order a reader takes them: what
# the portal's and staff's forms ask in free text. An e-mail reply's words are its text.
WORD_FIELDS = ("news", "support_needed", "policy_changes", "changes", "comment")

# A partner message is an answer with words that is still what the partner says: the
# current revision of a form's answer, or any e-mail reply (each a letter of its own, even
# once a portal answer supersedes it).
LISTED = "words <> '' AND (superseded_at IS NULL OR channel = 'email')"


def partner_words(text: str, answers: dict[str, Any]) -> str:
    """Return what a partner wrote in an answer: the reply's or note's text and each free
    text field, in `WORD_FIELDS` order, one paragraph each, a text given twice once; ""
    for an answer without words (a bare RSVP, a capacity level)."""
    parts: list[str] = []
    for part in [text, *(answers.get(name) for name in WORD_FIELDS)]:
        if isinstance(part, str) and part.strip() and part.strip() not in parts:
            parts.append(part.strip())
    return "\n\n".join(parts)


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
        # The partner messages waiting for a person, newest first.
        Index(
            "ix_responses_unhandled_words",
            "received_at",
            sqlite_where=text(f"{LISTED} AND handled_at IS NULL"),
            postgresql_where=text(f"{LISTED} AND handled_at IS NULL"),
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
    # What the partner wrote (`partner_words`), set once when the answer is recorded.
    words: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Who at UNICEF dealt with the words, when and how (`continuity response handle`).
    handled_at: Mapped[datetime | None]
    handled_by: Mapped[str] = mapped_column(String(256), default="", server_default="")
    handled_note: Mapped[str] = mapped_column(Text, default="", server_default="")

    message: Mapped[Message | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    partnership: Mapped[Partnership | None] = relationship()

    def handle(self, by: str, note: str, now: datetime) -> None:
        """Record that `by` dealt with the partner's words; a second call replaces who
        and how (a correction), keeping the first time it was handled."""
        self.handled_at = self.handled_at or now
        self.handled_by, self.handled_note = by, note

    def anonymise(self, marker: str) -> None:
        """Forget what the person wrote (the reply's or note's text, its subject, every
        free-text answer) and what staff noted on handling it; keep what the answer counts
        for (kind, channel, dates, choices). Words there were become `marker`, so the
        answer stays counted where partners' words are."""
        blank = (*WORD_FIELDS, "subject")
        self.answers = {k: "" if k in blank else v for k, v in (self.answers or {}).items()}
        self.text, self.handled_note = "", ""
        self.words = marker if self.words else ""


@event.listens_for(Response, "before_insert")
def _set_words(mapper: Any, connection: Any, response: Response) -> None:
    """Every way an answer is recorded (reply, portal, staff entry) sets its words here."""
    if not response.words:
        response.words = partner_words(response.text or "", response.answers or {})


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
    """One mail read from the inbox, recorded once (by Message-ID, else a digest of its
    bytes; records made before digests, by mailbox key) before the mailbox is touched;
    the mail itself stays in the mailbox."""

    __tablename__ = "inbound_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(512), unique=True)
    mailbox_key: Mapped[str] = mapped_column(String(512))
    message_id_header: Mapped[str | None] = mapped_column(Text)
    from_address: Mapped[str] = mapped_column(String(512), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    # When the collector recorded the mail, its own log (the mail's Date is the sender's
    # word, which nothing here could check); a reply's answer (Response.received_at) is
    # dated when it was written.
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    classification: Mapped[str] = mapped_column(String(32), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Only a quarantined mail is kept here, byte for byte, for staff to look at: the others
    # stay in the mailbox.
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    # When retention (or an erasure) cleared its sender, subject, text and bytes: the
    # record that it arrived and what it did stays.
    cleared_at: Mapped[datetime | None]

    # What a cleared mail's details keep: what the collector decided, never who or what.
    KEPT_DETAILS = ("applied", "feedback_type", "sender_side")

    def clear(self, now: datetime) -> bool:
        """Forget who sent the mail and what it said (sender, subject, text, bytes, the
        addresses and diagnostics in its details), keeping that it arrived, when, its
        classification and what it did; return False when it already was cleared."""
        if self.cleared_at is not None:
            return False
        self.from_address, self.subject, self.text, self.raw = "", "", "", None
        self.message_id_header = None
        self.details = {k: v for k, v in self.details.items() if k in self.KEPT_DETAILS}
        self.cleared_at = now
        return True


class InboxMark(Base):
    """A mail the collector has recorded, by the mailbox it sits in and its key there: the
    collector's own mark, so it never touches the flags people read by (`\\Seen`, a
    Maildir's `S`). `uid` is an IMAP mailbox's UID (under the UIDVALIDITY in `mailbox`),
    whose highest value is where the next run starts."""

    __tablename__ = "inbox_marks"
    __table_args__ = (UniqueConstraint("mailbox", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(512))
    key: Mapped[str] = mapped_column(String(512))
    uid: Mapped[int | None] = mapped_column(BigInteger)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class PartnerMessageNotice(Base):
    """A partner message a focal point has had in a digest (`reminder`: the once it came
    back unhandled past the answer-within limit), and the digest's occurrence key. At most
    one notice and one reminder per message and focal point."""

    __tablename__ = "partner_message_notices"
    __table_args__ = (UniqueConstraint("response_id", "contact_id", "reminder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    reminder: Mapped[bool] = mapped_column(Boolean, default=False)
    occurrence_key: Mapped[str] = mapped_column(String(255))
    noticed_at: Mapped[datetime] = mapped_column(default=utcnow)
