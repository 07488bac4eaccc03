"""The page a focal-point digest's link opens: the partner messages of that digest, each
with who wrote it and what, and a form to record which of them the focal point has dealt
with and how. The digest's own token opens it, for the messages that digest held only, as
long as a partner's link stays valid (`CONTINUITY_TOKEN_DAYS`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from continuity.portal.labels import source
from continuity.portal.languages import contact_view
from db.engine import for_writing, transaction
from db.models import Message, TouchpointKind
from db.partner_messages import partner_messages_by_id
from tasks.responses.answers import reached
from tasks.responses.partner_messages import HandlingError, checked_handling
from tasks.touchpoints.touchpoint import Reader

if TYPE_CHECKING:
    from continuity.portal.app import Portal


def opened_digest(portal: Portal, session: Session, token: str) -> Message | None:
    """Return the focal-point digest `token` belongs to while its link is valid, else None
    (a partner's link opens no digest, and the reverse)."""
    message = reached(session, token, portal.clock.now(), portal.lifetime)
    if message is None or message.kind != TouchpointKind.FOCAL_POINT_DIGEST:
        return None
    return message


def digest_ids(message: Message) -> list[int]:
    """Return the partner messages the digest held (new ones, then reminders)."""
    held = [*message.context.get("new", []), *message.context.get("reminders", [])]
    return [ident for ident in held if isinstance(ident, int)]


def show_handling(portal: Portal, request: Request, token: str) -> Response:
    with transaction(portal.engine) as session:
        message = opened_digest(portal, session, token)
        if message is None:
            return portal.failed(request)
        return handling_page(portal, request, session, message, token, {}, "")


def submit_handling(
    portal: Portal, request: Request, token: str, fields: dict[str, str]
) -> Response:
    """Record each ticked message as handled by the name given (in the thread pool)."""
    with transaction(for_writing(portal.engine)) as session:
        message = opened_digest(portal, session, token)
        if message is None:
            return portal.failed(request)
        if not portal.csrf_ok(token, fields.get("csrf", "")):
            return portal.invalid(request, 403)
        ticked = [ident for ident in digest_ids(message) if fields.get(f"done-{ident}")]
        if not ticked:
            return handling_page(portal, request, session, message, token, fields, "none", 400)
        try:
            by, note = checked_handling(fields.get("by", ""), fields.get("note", ""))
        except HandlingError:
            return handling_page(portal, request, session, message, token, fields, "bad", 400)
        # A message a later revision replaced is no longer listed: nothing to record for it.
        # One someone handled since the page was shown keeps who did it and how.
        for response in partner_messages_by_id(session, ticked):
            if response.handled_at is None:
                response.handle(by, note, portal.clock.now())
        return handling_page(portal, request, session, message, token, {}, "saved")


def handling_page(
    portal: Portal,
    request: Request,
    session: Session,
    message: Message,
    token: str,
    posted: dict[str, str],
    notice: str,
    status: int = 200,
) -> Response:
    """Return the page: the digest's messages as they stand, the form, and `notice`
    ("saved", "none" ticked, a "bad" name or note; "" for none)."""
    view = contact_view(portal, request, message.contact, token, "handled")
    reader = Reader(view.language, message.contact.local_time_zone)
    return portal.page(
        "handling",
        view,
        status=status,
        action=f"/handled/{token}",
        csrf=portal.csrf(token),
        messages=[
            _shown(response, reader)
            for response in partner_messages_by_id(session, digest_ids(message))
        ],
        by=posted.get("by", message.contact.name),
        note=posted.get("note", ""),
        notice=notice,
    )


def _shown(response: Any, reader: Reader) -> dict[str, Any]:
    partnership = response.partnership
    author = response.contact.name if response.contact else ""
    return {
        "id": response.id,
        "partner": partnership.partner.name if partnership else "",
        "partnership": partnership.reference_number if partnership else "",
        "source": source(
            str(response.channel), author, reader.date(response.received_at), reader.language
        ),
        "words": response.words,
        "handled_by": response.handled_by if response.handled_at else "",
        "handled_on": reader.date(response.handled_at),
        "handled_note": response.handled_note,
    }
