"""What the portal's pages show: the form of each touchpoint with the facts it is about
and the answers so far, the thank-you page's labels and notices, dates in the contact's
language. What differs by kind, the registry's touchpoint says."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fastapi import Request
from sqlalchemy.orm import Session

from db.responses import current_answer
from tasks.countries import SUPPORTED_LANGUAGES, supported_language
from tasks.outbox.render import page_strings
from tasks.responses.answers import Answerable
from tasks.responses.forms import LONG_TEXT, Answers
from tasks.touchpoints.registry import touchpoint
from tasks.touchpoints.touchpoint import Reader, Touchpoint

if TYPE_CHECKING:
    from continuity.portal.app import Portal


def strings(language: str) -> dict[str, str]:
    return page_strings("portal", language)


def browser_language(request: Request) -> str:
    """Return the first of fr, en, es the browser asks for (Accept-Language), else en."""
    for part in request.headers.get("accept-language", "")[:200].split(","):
        language = part.split(";")[0].strip().lower()[:2]
        if language in SUPPORTED_LANGUAGES:
            return language
    return "en"


def reader_of(opened: Answerable) -> Reader:
    """Return who reads the pages `opened` leads to: its contact, in the message's
    language (one the portal speaks) and their time zone (their own, else the partner's)."""
    return Reader(supported_language(opened.language), opened.contact.local_time_zone)


def asking(opened: Answerable | None) -> Touchpoint[Any] | None:
    """Return the touchpoint whose form `opened` shows, or None when there is none: no
    valid link, or a message that asks nothing."""
    if opened is None:
        return None
    found = touchpoint(opened.kind)
    return found if found.form is not None else None


def form_context(
    portal: Portal,
    session: Session,
    opened: Answerable,
    token: str,
    posted: Mapping[str, str] | None,
) -> dict[str, Any]:
    """Return what a form page shows: the touchpoint's facts, the current answers (or the
    ones just posted, whatever they hold), and when answers close."""
    asked = touchpoint(opened.kind)
    assert asked.form is not None, "only a touchpoint with a form has a page"
    reader = reader_of(opened)
    previous = current_answer(session, opened.message.id, opened.contact.id)
    values = shown_values(asked.form, previous.answers if previous else {}, posted)
    partnership = opened.partnership
    context: dict[str, Any] = {
        "action": f"/r/{token}",
        "csrf": portal.csrf(token),
        "data_link": f"/data/{token}",
        "values": values,
        "previous_at": reader.date(previous.received_at) if previous else "",
        "closes_on": reader.date(opened.closes_at),
        "max_text": LONG_TEXT,
        "partner": {
            "name": opened.contact.partner.name,
            "short_name": opened.contact.partner.short_name,
        },
        "partnership": {
            "title": partnership.title if partnership else "",
            "reference": partnership.reference_number if partnership else "",
            "end_date": reader.date(partnership.end_date if partnership else None),
        },
        "errors": {},
    }
    return context | asked.page_context(session, opened.message, reader, values)


def shown_values(
    form: type[Answers], previous: dict[str, Any], posted: Mapping[str, str] | None
) -> dict[str, Any]:
    """Return the value of each field of `form` ("" when none): the one just posted, else
    the current answer's."""
    values = dict(previous)
    if posted is not None:
        values |= form.posted_data(posted)
    return {name: values.get(name, "") for name in form.model_fields}


def answer_notice(
    session: Session, opened: Answerable, answers: dict[str, Any], language: str
) -> str:
    """Return what the thank-you page must add after `answers`, in `language` ("" for
    nothing): an acknowledgement request answered about a text staff have revised since,
    say."""
    key = touchpoint(opened.kind).thanks_notice(session, opened.message, answers)
    return strings(language)[key] if key else ""


def answer_labels(language: str) -> dict[str, dict[str, str]]:
    t = strings(language)
    return {
        "sustained": {value: t[f"a_{value}"] for value in ("yes", "partly", "no")},
        "attending": {value: t[f"attending_{value}"] for value in ("yes", "no", "maybe")},
        "join_discussion": {value: t[f"join_{value}"] for value in ("yes", "no")},
        "status": {value: t[f"status_{value}"] for value in ("done", "on_track", "late")},
        "decision": {value: t[f"decision_{value}"] for value in ("approve", "changes", "withdraw")},
    }
