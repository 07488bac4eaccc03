"""What the portal's pages show: the form of each touchpoint with the facts it is about
and the answers so far, the thank-you page's answers and notice, dates in the reader's
language and time zone. What differs by kind, the registry's touchpoint says."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from continuity.portal.labels import choice_labels, field_label
from db.responses import current_answer
from tasks.responses.answers import Answerable, answer_summary
from tasks.responses.forms import LONG_TEXT, Answers
from tasks.touchpoints.registry import touchpoint
from tasks.touchpoints.touchpoint import Reader, Touchpoint
from tasks.translations import gettext

if TYPE_CHECKING:
    from continuity.portal.app import Portal


def reader_of(opened: Answerable, language: str) -> Reader:
    """Return who reads the pages `opened` leads to: its contact, in `language` (the
    page's) and their time zone (their own, else the partner's)."""
    return Reader(language, opened.contact.local_time_zone)


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
    reader: Reader,
    posted: Mapping[str, str] | None,
) -> dict[str, Any]:
    """Return what a form page shows: the touchpoint's facts, the current answers (or the
    ones just posted, whatever they hold), and when answers close."""
    asked = touchpoint(opened.kind)
    assert asked.form is not None, "only a touchpoint with a form has a page"
    previous = current_answer(session, opened.message.id, opened.contact.id)
    values = shown_values(asked.form, previous.answers if previous else {}, posted)
    partnership = opened.partnership
    context: dict[str, Any] = {
        "action": f"/r/{token}",
        "csrf": portal.csrf(token),
        "data_link": f"/data/{token}",
        "values": values,
        "labels": choice_labels(reader),
        "previous_at": reader.date(previous.received_at) if previous else "",
        "closes_on": reader.moment(opened.closes_at),
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
        "errors": [],
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


def thanks_context(
    session: Session, opened: Answerable, answers: dict[str, Any], reader: Reader
) -> dict[str, Any]:
    """Return what the thank-you page shows: each answer recorded under its name, with
    its label where it is a choice, until when it can change, and what the touchpoint adds
    about these answers ("" for nothing: an acknowledgement request answered about a text
    staff have revised since, say)."""
    notice = touchpoint(opened.kind).thanks_notice(session, opened.message, answers)
    return {
        "recorded": [
            (field, field_label(field, reader.language), value)
            for field, value in answer_summary(answers)
        ],
        "labels": choice_labels(reader),
        "closes_on": reader.moment(opened.closes_at),
        "notice": gettext(reader.language, notice) if notice else "",
    }
