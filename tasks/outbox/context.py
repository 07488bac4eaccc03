"""What every e-mail template is given, whatever the touchpoint."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from db.models import Message, Partnership
from tasks.responses.links import sender_parts


def partnership_context(partnership: Partnership | None) -> dict[str, Any] | None:
    if partnership is None:
        return None
    return {
        "title": partnership.title,
        "reference": partnership.reference_number,
        "start_date": partnership.start_date,
        "end_date": partnership.end_date,
        "status": str(partnership.status),
    }


def base_context(
    message: Message, links: dict[str, str], sender: str, now: datetime
) -> dict[str, Any]:
    """Return the variables shared by all templates: contact (name only), partner,
    partnership (or None), links, the contact's time zone (their own, else the partner's),
    the sender's name, and `now`, the moment the message is read for (a date it gives
    may be past by then)."""
    contact = message.contact
    partner = contact.partner
    return {
        "contact": {"name": contact.name},
        "partner": {"name": partner.name, "short_name": partner.short_name},
        "partnership": partnership_context(message.partnership),
        "links": links,
        "time_zone": contact.local_time_zone,
        "sender_name": sender_parts(sender)[0] or "UNICEF",
        "now": now,
    }
