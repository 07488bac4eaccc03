"""What the portal's pages show: the form of each touchpoint with the facts it is about
and the answers so far, the thank-you page's labels and notices, dates in the contact's
language."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from fastapi import Request
from sqlalchemy.orm import Session

from db.models import ConsultationEvent, CorrectiveMeasure, TouchpointKind
from db.responses import current_answer
from tasks.acknowledgements.register import asks_current_revision
from tasks.countries import SUPPORTED_LANGUAGES, supported_language
from tasks.outbox.render import localized, page_strings, paragraphs
from tasks.responses.answers import Answerable
from tasks.responses.forms import FORMS, LONG_TEXT, MAX_SUPPORTERS, supporters_from

if TYPE_CHECKING:
    from continuity.portal.app import Portal

PAGES = {
    TouchpointKind.SUSTAINABILITY_CHECKIN: "sustainability_checkin",
    TouchpointKind.CONSULTATION_INVITATION: "consultation_invitation",
    TouchpointKind.EVALUATION_FOLLOWUP: "evaluation_followup",
    TouchpointKind.POLICY_DIGEST: "news",
    TouchpointKind.ADHOC: "news",
    TouchpointKind.CORRECTIVE_ACTION: "corrective_action",
    TouchpointKind.ACKNOWLEDGEMENT: "acknowledgement",
}


def strings(language: str) -> dict[str, str]:
    return page_strings("portal", language)


def browser_language(request: Request) -> str:
    """Return the first of fr, en, es the browser asks for (Accept-Language), else en."""
    for part in request.headers.get("accept-language", "")[:200].split(","):
        language = part.split(";")[0].strip().lower()[:2]
        if language in SUPPORTED_LANGUAGES:
            return language
    return "en"


def localized_date(value: date | datetime | None, language: str, time_zone: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(time_zone)).date()
    return format_date(value, format="long", locale=language)


def form_context(
    portal: Portal, session: Session, opened: Answerable, token: str, posted: dict[str, Any] | None
) -> dict[str, Any]:
    """Return what a form page shows: the touchpoint's facts, the current answers (or the
    ones just posted, whatever they hold: the supporters always as the table's rows), and
    when answers close."""
    language = supported_language(opened.language)
    zone = opened.contact.partner.time_zone
    previous = current_answer(session, opened.message.id, opened.contact.id)
    values = shown_values(opened.kind, previous.answers if previous else {}, posted)
    partnership = opened.partnership
    context: dict[str, Any] = {
        "action": f"/r/{token}",
        "csrf": portal.csrf(token),
        "values": values,
        "previous_at": localized_date(previous.received_at, language, zone) if previous else "",
        "closes_on": localized_date(opened.closes_at, language, zone),
        "max_text": LONG_TEXT,
        "supporter_rows": min(MAX_SUPPORTERS, max(4, len(values["supporters"]) + 1)),
        "partner": {
            "name": opened.contact.partner.name,
            "short_name": opened.contact.partner.short_name,
        },
        "partnership": {
            "title": partnership.title if partnership else "",
            "reference": partnership.reference_number if partnership else "",
            "end_date": localized_date(
                partnership.end_date if partnership else None, language, zone
            ),
        },
        "errors": {},
    }
    if opened.kind == TouchpointKind.CONSULTATION_INVITATION:
        event = session.get_one(ConsultationEvent, opened.message.context["event_id"])
        context["event"] = {
            "title": localized(event.title, language),
            "when": localized_date(event.starts_at, language, zone),
            "place": event.place,
        }
    context.update(practice_context(session, opened, language, zone))
    return context


def shown_values(
    kind: TouchpointKind, previous: dict[str, Any], posted: dict[str, Any] | None
) -> dict[str, Any]:
    """Return the value of each field of `kind`'s form ("" when none): the one just posted,
    else the current answer's; the supporters as a list of rows."""
    values = dict(previous)
    if posted is not None:
        # A posted "supporters" field is text, not the rows the page lists.
        values |= dict(posted) | {"supporters": supporters_from(posted)}
    fields = FORMS[kind].model_fields
    return {name: values.get(name, "") for name in fields} | {
        "supporters": values.get("supporters") or []
    }


def practice_context(
    session: Session, opened: Answerable, language: str, zone: str
) -> dict[str, Any]:
    """Return what the corrective-measure and acknowledgement pages show besides the form."""
    if opened.kind == TouchpointKind.CORRECTIVE_ACTION:
        measure = session.get_one(CorrectiveMeasure, opened.message.context["measure_id"])
        return {
            "measure": {
                "description": measure.description,
                "due_on": localized_date(measure.due_on, language, zone),
            }
        }
    if opened.kind == TouchpointKind.ACKNOWLEDGEMENT:
        asked = localized(opened.message.context["text"], language)
        return {"acknowledgement": {"paragraphs": paragraphs(asked)}}
    return {}


def answer_notice(
    session: Session, opened: Answerable, answers: dict[str, Any], language: str
) -> str:
    """Return what the thank-you page must add: that an approval or a proposal was about
    a text staff have revised since (it counts for nothing), else nothing."""
    if opened.kind != TouchpointKind.ACKNOWLEDGEMENT or answers.get("decision") == "withdraw":
        return ""
    if asks_current_revision(session, opened.message.context):
        return ""
    return strings(language)["ack_outdated"]


def answer_labels(language: str) -> dict[str, dict[str, str]]:
    t = strings(language)
    return {
        "sustained": {value: t[f"a_{value}"] for value in ("yes", "partly", "no")},
        "attending": {value: t[f"attending_{value}"] for value in ("yes", "no", "maybe")},
        "join_discussion": {value: t[f"join_{value}"] for value in ("yes", "no")},
        "status": {value: t[f"status_{value}"] for value in ("done", "on_track", "late")},
        "decision": {value: t[f"decision_{value}"] for value in ("approve", "changes", "withdraw")},
    }
