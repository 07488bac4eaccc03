"""The person's own data, from their personal link (`/data/<token>`): a page offering to
download everything held about them (the desk's export, as JSON), to receive nothing more
(the opt-out page) or to be forgotten (the desk's erasure). Downloading and forgetting are
POSTs carrying the page's CSRF token: a GET only ever shows a page, since link scanners
follow links. The link works as long as the opt-out link (`CONTINUITY_OPT_OUT_DAYS`);
once the person is erased, none of their links works any more."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from continuity.portal.languages import View, contact_view
from db.engine import OldPagesKeptError, for_writing, purge_old_pages, transaction
from db.models import Message
from tasks.people.erasure import BY_PORTAL, erase
from tasks.people.export import export
from tasks.people.person import person_of
from tasks.responses.answers import reached

if TYPE_CHECKING:
    from continuity.portal.app import Portal

EXPORT_FILE = "unicef-partnerships-my-data.json"
# The page saying the person's data was erased, in any language: their links no longer
# work, so it offers the others with links of its own.
FORGOTTEN = "/forgotten"
PORTAL_REASON = "the person asked to be forgotten, through their personal link"

logger = logging.getLogger(__name__)


def opened(portal: Portal, session: Session, token: str) -> Message | None:
    """Return the message whose link this is while it works, for a partner's person not
    erased. A UNICEF staff member's link opens nothing here: a digest travels (forwarded,
    its List-Unsubscribe link followed), and staff's data is exported or erased by staff,
    with a reason kept (`continuity contact export|erase`)."""
    message = reached(session, token, portal.clock.now(), portal.opt_out_lifetime)
    if message is None or message.contact.erased_at is not None or message.contact.is_staff:
        return None
    return message


def show_data(portal: Portal, request: Request, token: str) -> Response:
    with transaction(portal.engine) as session:
        message = opened(portal, session, token)
        if message is None:
            return portal.failed(request)
        return portal.page(
            "data",
            contact_view(portal, request, message.contact, token, "data"),
            export_action=f"/data/{token}/export",
            opt_out_link=f"/opt-out/{token}",
            forget_link=f"/data/{token}/forget",
            csrf=portal.csrf(token),
        )


def download(portal: Portal, request: Request, token: str, fields: dict[str, str]) -> Response:
    """Return the export as a JSON file (in the thread pool)."""
    with transaction(portal.engine) as session:
        message = opened(portal, session, token)
        if message is None:
            return portal.failed(request)
        if not portal.csrf_ok(token, fields.get("csrf", "")):
            return portal.invalid(request, 403)
        document = export(session, person_of(session, message.contact), portal.clock.now())
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{EXPORT_FILE}"'},
    )


def confirm_forget(portal: Portal, request: Request, token: str) -> Response:
    with transaction(portal.engine) as session:
        message = opened(portal, session, token)
        if message is None:
            return portal.failed(request)
        return portal.page(
            "forget",
            contact_view(portal, request, message.contact, token, "forget"),
            action=f"/data/{token}/forget",
            back=f"/data/{token}",
            csrf=portal.csrf(token),
        )


def forget(portal: Portal, request: Request, token: str, fields: dict[str, str]) -> Response:
    """Erase the person (in the thread pool), then purge SQLite's old pages. While another
    process reads, the old pages stay: the person is erased all the same, and the log
    tells staff to purge (naming no one)."""
    secret = portal.settings.required_secret_key()
    with transaction(for_writing(portal.engine)) as session:
        message = opened(portal, session, token)
        if message is None:
            return portal.failed(request)
        if not portal.csrf_ok(token, fields.get("csrf", "")):
            return portal.invalid(request, 403)
        language = contact_view(portal, request, message.contact, token, "forget").language
        person = person_of(session, message.contact)
        erase(session, person, PORTAL_REASON, BY_PORTAL, portal.clock.now(), secret)
    try:
        purge_old_pages(portal.engine)
    except OldPagesKeptError as error:
        logger.warning("a person was erased, but %s", error)
    return portal.page("forgotten", View(language, link=FORGOTTEN))
