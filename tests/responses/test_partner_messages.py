"""What partners write becomes one list of partner messages, whatever the channel, that
staff work through: handled once, by someone, with how."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update

from db.engine import transaction
from db.models import Partner, PartnerMessageNotice, Response, ResponseChannel, TouchpointKind
from db.partner_messages import MessageFilter, add_notices, partner_messages
from tasks.calendars import Calendars
from tasks.responses.answers import Answering, record_answer
from tasks.responses.manual_entry import ManualResponse, record_manual_response
from tasks.responses.partner_messages import (
    HandlingError,
    artifact_row,
    handle_message,
    message_row,
)
from tasks.touchpoints.registry import parse_answers
from tests.pipeline import SENT, checkin_to, reply

REFERENCE = "SEN/PCA2021001/PD2021004"
REPLY = "Oui, les clubs continuent avec les enseignantes de Kolda."


def portal_answer(engine: Engine, email: str, at: datetime, **fields: str) -> int:
    with transaction(engine) as session:
        message = checkin_to(session, email)
        answers = parse_answers(
            TouchpointKind.SUSTAINABILITY_CHECKIN, {"sustained": "yes", "capacity": "4", **fields}
        )
        who = Answering(message.contact, message.partnership, message.kind, message)
        return record_answer(session, who, answers, ResponseChannel.PORTAL, at).id


def listed(engine: Engine, **wanted) -> list[dict]:
    with transaction(engine) as session:
        now = SENT + timedelta(days=10)
        return [
            message_row(r, now, Calendars(session))
            for r in partner_messages(session, MessageFilter(**wanted))
        ]


def test_a_reply_by_mail_is_a_partner_message_with_its_words(checkins: Engine) -> None:
    ident = reply(checkins, "a.ndiaye@asef-senegal.example.org", REPLY, SENT + timedelta(days=1))
    (row,) = listed(checkins)
    assert row["id"] == ident and row["text"] == REPLY
    assert (row["partnership"], row["channel"], row["kind"]) == (
        REFERENCE,
        "email",
        "sustainability_checkin",
    )
    assert row["partner"] == "Association Sénégalaise pour l'Éducation des Filles"
    assert row["contact"] == "Awa Ndiaye" and row["handled"] is False


def test_a_portal_answer_lists_each_field_the_partner_wrote(checkins: Engine) -> None:
    portal_answer(
        checkins,
        "a.ndiaye@asef-senegal.example.org",
        SENT + timedelta(days=1),
        news="Deux nouveaux clubs.",
        support_needed="Former les nouvelles enseignantes.",
        comment="Merci.",
    )
    (row,) = listed(checkins)
    assert row["text"] == "Deux nouveaux clubs.\n\nFormer les nouvelles enseignantes.\n\nMerci."


def test_an_answer_without_words_is_no_message(checkins: Engine) -> None:
    portal_answer(checkins, "a.ndiaye@asef-senegal.example.org", SENT + timedelta(days=1))
    assert listed(checkins) == []


def test_a_staff_note_of_a_call_is_a_partner_message(checkins: Engine) -> None:
    entry = ManualResponse.model_validate(
        {
            "partnership": REFERENCE,
            "kind": "sustainability_checkin",
            "sustained": "partly",
            "capacity": 3,
            "comment": "Au téléphone : la mairie reprend deux clubs.",
            "recorded_by": "K. Mbaye",
        }
    )
    with transaction(checkins) as session:
        record_manual_response(session, entry, SENT + timedelta(days=2))
    (row,) = listed(checkins)
    assert (row["channel"], row["text"]) == (
        "phone",
        "Au téléphone : la mairie reprend deux clubs.",
    )


def test_the_list_is_newest_first_and_filters(checkins: Engine) -> None:
    first = reply(checkins, "a.ndiaye@asef-senegal.example.org", "un", SENT + timedelta(days=1))
    second = reply(checkins, "o.ba@rjsc-kolda.example.org", "deux", SENT + timedelta(days=3))
    assert [row["id"] for row in listed(checkins)] == [second, first]
    assert [row["id"] for row in listed(checkins, partnership=REFERENCE)] == [first]
    assert [row["id"] for row in listed(checkins, partner="2500211002")] == [second]
    assert [row["id"] for row in listed(checkins, since=SENT + timedelta(days=2))] == [second]


def test_a_handled_message_drops_out_of_the_unhandled_list(checkins: Engine) -> None:
    ident = reply(checkins, "a.ndiaye@asef-senegal.example.org", REPLY, SENT + timedelta(days=1))
    at = SENT + timedelta(days=2)
    with transaction(checkins) as session:
        handle_message(session, ident, "Aïssatou Sow", "Appelée, formation en janvier", at)
    assert listed(checkins, unhandled=True) == []
    (row,) = listed(checkins)
    assert (row["handled"], row["handled_by"], row["handled_note"]) == (
        True,
        "Aïssatou Sow",
        "Appelée, formation en janvier",
    )
    with transaction(checkins) as session:
        handle_message(session, ident, "Pierre Lemaire", "", at + timedelta(days=1))
        assert session.get_one(Response, ident).handled_at == at, "the first time is kept"


@pytest.mark.parametrize(
    ("by", "note"),
    [("", ""), ("   ", ""), ("a\nb", ""), ("x" * 257, ""), ("Awa", "\x00"), ("Awa", "n" * 4001)],
)
def test_handling_refuses_a_missing_or_hostile_name_or_note(
    checkins: Engine, by: str, note: str
) -> None:
    ident = reply(checkins, "a.ndiaye@asef-senegal.example.org", REPLY, SENT + timedelta(days=1))
    with transaction(checkins) as session, pytest.raises(HandlingError):
        handle_message(session, ident, by, note, SENT)


def test_handling_refuses_what_is_no_partner_message(checkins: Engine) -> None:
    silent = portal_answer(checkins, "a.ndiaye@asef-senegal.example.org", SENT)
    with transaction(checkins) as session:
        for ident in (silent, 10**9):
            with pytest.raises(HandlingError, match="no partner message"):
                handle_message(session, ident, "Awa", "", SENT)


def test_a_revision_saying_the_same_keeps_its_handling_and_notices(checkins: Engine) -> None:
    email = "a.ndiaye@asef-senegal.example.org"
    first = portal_answer(checkins, email, SENT + timedelta(days=1), news="Deux clubs.")
    with transaction(checkins) as session:
        handle_message(session, first, "Aïssatou Sow", "", SENT + timedelta(days=2))
        staff = session.get_one(Response, first).contact_id or 0
        add_notices(session, staff, "focal_point_digest:2026-12-03", [first], False, SENT)
    same = portal_answer(
        checkins, email, SENT + timedelta(days=3), news="Deux clubs.", capacity="2"
    )
    changed = portal_answer(checkins, email, SENT + timedelta(days=4), news="Trois clubs.")
    with transaction(checkins) as session:
        assert session.get_one(Response, same).handled_by == "Aïssatou Sow"
        assert session.get_one(Response, changed).handled_at is None
        noticed = session.scalars(select(PartnerMessageNotice.response_id)).all()
        assert sorted(noticed) == [first, same]
    assert [row["id"] for row in listed(checkins)] == [changed], "only the current revision"


def test_an_email_reply_stays_listed_after_a_portal_answer_replaces_it(checkins: Engine) -> None:
    email = "a.ndiaye@asef-senegal.example.org"
    mailed = reply(checkins, email, REPLY, SENT + timedelta(days=1))
    portal_answer(checkins, email, SENT + timedelta(days=2), news="Deux clubs.")
    assert [row["id"] for row in listed(checkins)][1] == mailed


def test_what_prefect_may_keep_names_no_one_and_quotes_nothing(checkins: Engine) -> None:
    reply(checkins, "a.ndiaye@asef-senegal.example.org", REPLY, SENT + timedelta(days=1))
    with transaction(checkins) as session:
        (response,) = partner_messages(session)
        row = artifact_row(response)
    assert set(row) == {"id", "partner", "partnership", "kind", "received", "contact", "handled"}
    assert REPLY not in str(row) and "Ndiaye" not in str(row) and "@" not in str(row)


def test_waiting_is_counted_in_the_working_days_of_the_partner_country(checkins: Engine) -> None:
    with transaction(checkins) as session:
        session.execute(
            update(Partner).where(Partner.vendor_number == "2500211001").values(country="YEM")
        )
    thursday = datetime(2026, 12, 3, 10, tzinfo=UTC)
    reply(checkins, "a.ndiaye@asef-senegal.example.org", REPLY, thursday)
    reply(checkins, "o.ba@rjsc-kolda.example.org", "deux", thursday)
    saturday, sunday = thursday + timedelta(days=2), thursday + timedelta(days=3)
    with transaction(checkins) as session:
        calendars = Calendars(session)
        found = partner_messages(session, MessageFilter())
        waited = {
            row["partner"]: (row["waiting_working_days"], later["waiting_working_days"])
            for row, later in (
                (message_row(r, saturday, calendars), message_row(r, sunday, calendars))
                for r in found
            )
        }
    assert waited == {
        "Association Sénégalaise pour l'Éducation des Filles": (0, 1),  # now in Yemen
        "Réseau des Jeunes pour la Santé Communautaire de Kolda": (1, 1),  # in Senegal
    }
