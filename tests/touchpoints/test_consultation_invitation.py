from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from db.engine import transaction
from db.models import TouchpointKind
from tasks.staff.records import EventInput, read_input, record_event
from tasks.touchpoints.consultation_invitation import ConsultationInvitation
from tasks.touchpoints.touchpoint import Reader
from tests.pipeline import messages, plan

INVITATION = TouchpointKind.CONSULTATION_INVITATION
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def add_event(engine: Engine, **fields) -> int:
    base = {"title": {"fr": "Consultation"}, "starts_at": "2027-02-10T09:30:00Z", "place": "Dakar"}
    with transaction(engine) as session:
        return record_event(session, read_input(EventInput, None, {**base, **fields})).id


def invited_partners(engine: Engine) -> set[str]:
    return {m.contact.partner.vendor_number for m in messages(engine, kind=INVITATION)}


def test_partners_an_event_concerns_are_invited_once_each(imported: Engine) -> None:
    add_event(imported, countries=["KEN"], sections=["Child Protection"])
    plan(imported, INVITATION, NOW)
    # KCCPN has an ended and an active partnership in Kenya; only one invitation each.
    assert invited_partners(imported) == {"2500211007"}
    assert len(messages(imported, kind=INVITATION)) == 3


def test_an_event_for_all_invites_every_ended_partner(imported: Engine) -> None:
    add_event(imported)
    plan(imported, INVITATION, NOW)
    assert invited_partners(imported) == {
        "2500211001",
        "2500211002",
        "2500211003",
        "2500211004",
        "2500211005",
        "2500211006",
        "2500211007",
        "2500211008",
        "2500211009",
        "2500211010",
        "2500211011",
    }


def test_partners_with_no_ended_partnership_are_not_invited(imported: Engine) -> None:
    add_event(imported, countries=["SEN"], sections=["Early Childhood Development"])
    plan(imported, INVITATION, NOW)
    assert invited_partners(imported) == set()


def test_no_invitation_after_the_rsvp_deadline(imported: Engine) -> None:
    add_event(imported, rsvp_deadline="2026-11-30T00:00:00Z")
    plan(imported, INVITATION, NOW)
    assert messages(imported, kind=INVITATION) == []


def test_rerunning_invites_nobody_twice(imported: Engine) -> None:
    event = add_event(imported, countries=["COL"])
    plan(imported, INVITATION, NOW)
    plan(imported, INVITATION, NOW.replace(hour=13))
    sent = messages(imported, kind=INVITATION)
    assert len(sent) == 5
    assert all(m.context == {"event_id": event} for m in sent)


def test_the_rsvp_page_gives_the_place_in_the_readers_language(imported: Engine) -> None:
    place = {"fr": "Bogotá et en ligne", "es": "Bogotá y en línea"}
    add_event(imported, countries=["COL"], place=place)
    plan(imported, INVITATION, NOW)
    message = messages(imported, kind=INVITATION)[0]
    with transaction(imported) as session:
        shown = {
            language: ConsultationInvitation().page_context(
                session, message, Reader(language, "America/Bogota"), {}
            )["event"]["place"]
            for language in ("es", "fr", "en", "ar")
        }
    assert shown == {
        "es": "Bogotá y en línea",
        "fr": "Bogotá et en ligne",
        "en": "Bogotá et en ligne",
        "ar": "Bogotá et en ligne",
    }
