"""Local capacity over time: a decline or an insufficient answer raises the partnership on
the at-risk list and notifies its focal points once per answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from db.engine import transaction
from db.models import (
    Contact,
    Message,
    Partnership,
    Response,
    ResponseChannel,
    TouchpointKind,
)
from tasks.reports.capacity import overview
from tasks.reports.relationship import at_risk
from tasks.responses.answers import Answering, record_answer
from tasks.staff.focal_points import add_focal_point
from tasks.touchpoints.capacity_alert import concern, concerns
from tasks.touchpoints.sustainability_checkin import CheckinAnswers
from tests.pipeline import deliver_all, messages, plan

ASEF = "SEN/PCA2021001/PD2021004"
AWA = "a.ndiaye@asef-senegal.example.org"
ALERT = TouchpointKind.CAPACITY_ALERT
FOCAL = "a.sow@unicef.example.org"
FIRST = datetime(2026, 6, 1, 10, tzinfo=UTC)


def answered(engine: Engine, capacity: int, at: datetime, email: str = AWA) -> int:
    """Record a check-in answer as staff would enter one from a call."""
    with transaction(engine) as session:
        contact = session.scalars(select(Contact).where(Contact.email == email)).one()
        partnership = session.scalars(
            select(Partnership).where(Partnership.reference_number == ASEF)
        ).one()
        who = Answering(contact, partnership, TouchpointKind.SUSTAINABILITY_CHECKIN)
        answers = CheckinAnswers(sustained="partly", capacity=capacity, support_needed="Formation")
        return record_answer(session, who, answers, ResponseChannel.PHONE, at).id


def response(ident: int, capacity: int, occurrence: str = "") -> Response:
    found = Response(id=ident, answers={"capacity": capacity})
    if occurrence:
        found.message = Message(occurrence_key=occurrence)
    return found


@pytest.mark.parametrize(
    ("levels", "reasons"),
    [
        ([4, 2], ["local capacity 2/5", "local capacity fell from 4/5 to 2/5"]),
        ([4, 3], ["local capacity fell from 4/5 to 3/5"]),
        ([3, 3], []),
        ([2, 4], []),
        ([1], ["local capacity 1/5"]),
        ([], []),
    ],
)
def test_an_insufficient_or_declining_capacity_is_a_concern(
    levels: list[int], reasons: list[str]
) -> None:
    found = concern([response(index, level) for index, level in enumerate(levels)])
    assert (found[0] if found else []) == reasons


def test_answers_to_the_same_check_in_are_not_a_decline() -> None:
    same = [response(1, 4, "checkin:1"), response(2, 3, "checkin:1")]
    assert concern(same) is None


@pytest.fixture
def directory(imported: Engine, app_env) -> Engine:
    with transaction(imported) as session:
        add_focal_point(session, "Aïssatou Sow", FOCAL, "fr")
    return imported


def test_focal_points_are_told_once_per_answer(directory: Engine, outbox) -> None:
    answered(directory, 4, FIRST)
    plan(directory, ALERT, FIRST + timedelta(days=1))
    assert messages(directory, kind=ALERT) == []
    cause = answered(directory, 2, FIRST + timedelta(days=180))
    for days in (181, 182, 200):
        plan(directory, ALERT, FIRST + timedelta(days=days))
    (alert,) = messages(directory, kind=ALERT)
    assert alert.contact.email == FOCAL
    assert alert.occurrence_key.endswith(f":response{cause}:level2")
    deliver_all(directory, [ALERT], FIRST + timedelta(days=200))
    (mail,) = outbox()
    assert mail["Subject"].startswith("Capacités locales menacées : « ")
    text = mail.get_body(("plain",)).get_content()
    assert "capacités locales notées 2 sur 5, contre 4 sur 5 au point précédent" in text
    assert "- 2026-06-01: 4/5\n- 2026-11-28: 2/5" in text
    answered(directory, 1, FIRST + timedelta(days=360))
    plan(directory, ALERT, FIRST + timedelta(days=361))
    assert len(messages(directory, kind=ALERT)) == 2


def test_the_at_risk_list_names_the_decline_and_its_answers(directory: Engine) -> None:
    answered(directory, 5, FIRST)
    answered(directory, 3, FIRST + timedelta(days=180))
    with transaction(directory) as session:
        rows = [
            row
            for row in at_risk(session, FIRST + timedelta(days=181))
            if row["partnership"] == ASEF
        ]
        (found,) = [
            c
            for c in concerns(session, FIRST + timedelta(days=181))
            if c.partnership.reference_number == ASEF
        ]
    assert rows[0]["why"] == "local capacity fell from 5/5 to 3/5"
    assert rows[0]["answered"] == "2026-11-28"
    assert found.history == [("2026-06-01", 5), ("2026-11-28", 3)]


def test_no_alert_without_a_focal_point_address(imported: Engine, app_env) -> None:
    answered(imported, 1, FIRST)
    plan(imported, ALERT, FIRST + timedelta(days=1))
    assert messages(imported, kind=ALERT) == []


def test_the_overview_says_whom_a_notice_can_reach(directory: Engine) -> None:
    answered(directory, 4, FIRST)
    answered(directory, 2, FIRST + timedelta(days=180))
    with transaction(directory) as session:
        rows = [
            row
            for row in overview(session, FIRST + timedelta(days=181))
            if row["partnership"] == ASEF
        ]
    assert rows == [
        {
            "partnership": ASEF,
            "partner": "Association Sénégalaise pour l'Éducation des Filles",
            "why": "local capacity 2/5, local capacity fell from 4/5 to 2/5",
            "history": "4/5 → 2/5",
            "notified": "Aïssatou Sow",
            "no address for": "Pierre Lemaire",
        }
    ]


def test_a_check_in_counts_by_its_lowest_answer() -> None:
    answers = [
        response(1, 4, "checkin:1"),
        response(2, 2, "checkin:2"),
        response(3, 4, "checkin:2"),
    ]
    found = concern(answers)
    assert found is not None
    assert found[0] == ["local capacity 2/5", "local capacity fell from 4/5 to 2/5"]
    assert [cause.id for cause in found[1]] == [2, 1]


def test_a_corrected_answer_at_the_same_level_raises_no_second_notice(
    directory: Engine, outbox
) -> None:
    plan(directory, TouchpointKind.SUSTAINABILITY_CHECKIN, FIRST)
    with transaction(directory) as session:
        checkin = session.scalars(
            select(Message).where(
                Message.kind == TouchpointKind.SUSTAINABILITY_CHECKIN,
                Message.partnership.has(Partnership.reference_number == ASEF),
            )
        ).first()
        assert checkin is not None
        who = Answering(checkin.contact, checkin.partnership, checkin.kind, checkin)
        first = CheckinAnswers(sustained="no", capacity=2)
        record_answer(session, who, first, ResponseChannel.PORTAL, FIRST + timedelta(days=1))
    plan(directory, ALERT, FIRST + timedelta(days=2))
    with transaction(directory) as session:
        checkin = session.get_one(Message, checkin.id)
        who = Answering(checkin.contact, checkin.partnership, checkin.kind, checkin)
        again = CheckinAnswers(sustained="no", capacity=2, comment="typo fixed")
        record_answer(session, who, again, ResponseChannel.PORTAL, FIRST + timedelta(days=3))
    plan(directory, ALERT, FIRST + timedelta(days=4))
    assert len(messages(directory, kind=ALERT)) == 1
