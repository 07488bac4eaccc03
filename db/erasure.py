"""Queries on the do-not-contact list of erased people (keyed hashes, never an address).
They take a session and never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import ErasedAddress


def erased_hmacs(session: Session) -> set[str]:
    """Return every keyed hash on the list (a few per erasure ever made: small)."""
    return set(session.scalars(select(ErasedAddress.address_hmac)))


def erasure_listed(session: Session, digest: str) -> ErasedAddress | None:
    """Return the list's entry for `digest`, if any."""
    query = select(ErasedAddress).where(ErasedAddress.address_hmac == digest)
    return session.scalars(query).one_or_none()


def list_erasure(session: Session, digest: str, now: datetime) -> ErasedAddress:
    """Put `digest` on the list (an entry already there keeps its first date); return it."""
    entry = erasure_listed(session, digest)
    if entry is None:
        entry = ErasedAddress(address_hmac=digest, erased_at=now)
        session.add(entry)
    return entry
