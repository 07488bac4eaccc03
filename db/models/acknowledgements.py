"""Public acknowledgements of partnerships and the partners' consent to them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base, Timestamped

if TYPE_CHECKING:
    from db.models.partnerships import Partnership


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
