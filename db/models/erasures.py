"""The do-not-contact list of erased people: a keyed hash of each address, never the
address, so that no later import brings them back and nothing is mailed to them again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, utcnow


class ErasedAddress(Base):
    """An erased person's address, as HMAC-SHA256 under the deployment's secret key of its
    `address_key` (hex): a bare hash of an address is reversed by hashing guesses."""

    __tablename__ = "erased_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    address_hmac: Mapped[str] = mapped_column(String(64), unique=True)
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)
