"""Staff lifting a suppression: the contact may be mailed again, and their history says
who decided it, when and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from db.contacts import contacts_with_address
from db.models import Contact, ContactEvent

MAX_REASON = 500


class SuppressionError(Exception):
    """The request names no suppressed contact, or gives no reason."""


def lift_suppression(
    session: Session, address: str, reason: str, actor: str, now: datetime
) -> list[Contact]:
    """Lift the suppression of every contact with `address`; return them. Their bounce
    counts start again from zero. Raise `SuppressionError` when the reason is blank or no
    contact with that address is suppressed."""
    reason = " ".join(reason.split())
    if not reason:
        raise SuppressionError("say why the suppression is lifted (--reason)")
    suppressed = [c for c in contacts_with_address(session, address) if c.suppressed_at]
    if not suppressed:
        raise SuppressionError("no suppressed contact has this address")
    for contact in suppressed:
        session.add(
            ContactEvent(
                contact_id=contact.id,
                at=now,
                actor=actor[:256] or "staff",
                action="reinstated",
                details={"reason": reason[:MAX_REASON], "was": contact.suppression_reason},
            )
        )
        contact.lift_suppression()
    return suppressed
