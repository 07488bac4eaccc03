"""Consultation invitations: ended partners an event concerns are invited, with an RSVP link."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from db.models import ConsultationEvent, Message, Partnership, TouchpointKind
from db.plans import contacts_of, plans_open_at
from db.staff import open_events
from tasks.outbox.planning import Planned
from tasks.outbox.render import localized, paragraphs
from tasks.responses.forms import Answers, Text
from tasks.touchpoints.touchpoint import Reader, Touchpoint

KIND = TouchpointKind.CONSULTATION_INVITATION


class RsvpAnswers(Answers):
    attending: Literal["yes", "no", "maybe"]
    comment: Text = ""


def concerns(event: ConsultationEvent, partnership: Partnership) -> bool:
    return partnership.in_audience(event.countries, event.sections)


def answers_close_at(event: ConsultationEvent) -> datetime:
    """Return when answers to the invitation close: its RSVP deadline, else its start."""
    return event.rsvp_deadline or event.starts_at


def event_context(event: ConsultationEvent) -> dict[str, Any]:
    return {
        "title": event.title,
        "topic": event.topic,
        "starts_at": event.starts_at,
        "place": event.place,
        "link": event.link,
        "rsvp_deadline": event.rsvp_deadline,
    }


class ConsultationInvitation(Touchpoint[RsvpAnswers]):
    """Invites partners to a consultation event, with an RSVP form; reminded until
    answered or the RSVP deadline passes."""

    kind = KIND
    form = RsvpAnswers
    page = "consultation_invitation"
    scheduled = True
    reminded = True

    def due(
        self, session: Session, as_of: datetime, reminder_delays: tuple[int, ...]
    ) -> Iterator[Planned]:
        """Yield one invitation per event, partner and contact, for every open event and
        every partner with an ended partnership the event concerns (once per partner)."""
        plans = plans_open_at(session, KIND, as_of)
        for event in open_events(session, as_of):
            invited: set[int] = set()
            for plan in plans:
                partnership = plan.partnership
                if partnership.partner_id in invited or not concerns(event, partnership):
                    continue
                invited.add(partnership.partner_id)
                key = f"{KIND}:event{event.id}:partner{partnership.partner_id}"
                for contact in contacts_of(partnership.partner):
                    yield Planned(contact, KIND, key, partnership, {"event_id": event.id})

    def context(self, session: Session, message: Message, cache: dict[Any, Any]) -> dict[str, Any]:
        event_id = message.context["event_id"]
        key = ("event", event_id)
        if key not in cache:
            cache[key] = event_context(session.get_one(ConsultationEvent, event_id))
        return {"event": cache[key]}

    def still_asks(self, session: Session, message: Message, as_of: datetime) -> bool:
        """True until the event's RSVP deadline (its start when it has none)."""
        event = session.get_one(ConsultationEvent, message.context["event_id"])
        return answers_close_at(event) > as_of

    def answers_close(self, session: Session, message: Message, link_expires: datetime) -> datetime:
        """Answers close at the RSVP deadline (the event's start when it has none), or
        when the link expires if that comes first."""
        event = session.get_one(ConsultationEvent, message.context["event_id"])
        return min(answers_close_at(event), link_expires)

    def page_context(
        self, session: Session, message: Message, reader: Reader, values: dict[str, Any]
    ) -> dict[str, Any]:
        """The event: its title, topic and place in the reader's language, when it starts
        on the reader's clock, its online link, and the RSVP deadline ("" for none)."""
        event = session.get_one(ConsultationEvent, message.context["event_id"])
        return {
            "event": {
                "title": localized(event.title, reader.language),
                "topic": paragraphs(localized(event.topic, reader.language)),
                "when": reader.moment(event.starts_at),
                "place": localized(event.place, reader.language),
                "link": event.link,
                "deadline": reader.moment(event.rsvp_deadline),
            }
        }
