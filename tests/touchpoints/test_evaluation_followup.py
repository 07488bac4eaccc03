from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from db.engine import transaction
from db.models import Contact, Message, ResponseChannel, TouchpointKind
from tasks.outbox.render_check import check_planned
from tasks.responses.answers import Answering, record_answer
from tasks.settings import get_settings
from tasks.staff.records import EvaluationInput, read_input, record_evaluation
from tasks.touchpoints.evaluation_followup import EvaluationAnswers, contributor_record
from tests.pipeline import deliver_all, messages, plan

FOLLOWUP = TouchpointKind.EVALUATION_FOLLOWUP
DISCUSSION = {"discussion_at": "2025-06-12T10:00:00Z", "discussion_place": "Dakar et en ligne"}


def add_evaluation(engine: Engine, completed_on: str = "2025-05-20", **discussion: str) -> int:
    data = read_input(
        EvaluationInput,
        None,
        {
            "partnership": "SEN/PCA2021001/PD2021004",
            "completed_on": completed_on,
            "conclusions": {"fr": "Des résultats solides."},
            "lessons": {"fr": "Associer les familles."},
            "recommendations": {"fr": "Étendre."},
            "contributors": [
                "a.ndiaye@asef-senegal.example.org",
                "ml.diallo@asef-senegal.example.org",
            ],
            **discussion,
        },
    )
    with transaction(engine) as session:
        return record_evaluation(session, data).id


def test_contributors_hear_the_findings_once(imported: Engine) -> None:
    evaluation = add_evaluation(imported)
    plan(imported, FOLLOWUP, datetime(2025, 5, 21, tzinfo=UTC))
    plan(imported, FOLLOWUP, datetime(2025, 6, 21, tzinfo=UTC))
    sent = messages(imported, kind=FOLLOWUP)
    assert sorted(m.contact.email for m in sent) == [
        "a.ndiaye@asef-senegal.example.org",
        "ml.diallo@asef-senegal.example.org",
    ]
    assert {m.occurrence_key for m in sent} == {f"evaluation_followup:evaluation{evaluation}"}


def test_nothing_goes_out_before_the_evaluation_is_complete(imported: Engine) -> None:
    add_evaluation(imported, completed_on="2027-01-01")
    plan(imported, FOLLOWUP, datetime(2026, 12, 1, tzinfo=UTC))
    assert messages(imported, kind=FOLLOWUP) == []


def test_the_record_shows_who_was_informed_and_who_engaged(imported: Engine, app_env) -> None:
    add_evaluation(imported)
    sent_at = datetime(2025, 5, 21, 10, tzinfo=UTC)
    plan(imported, FOLLOWUP, sent_at)
    with transaction(imported) as session:
        diallo = session.scalars(
            select(Contact).where(Contact.email == "ml.diallo@asef-senegal.example.org")
        ).one()
        diallo.opted_out_at = sent_at
    deliver_all(imported, [FOLLOWUP], sent_at)
    with transaction(imported) as session:
        ndiaye = session.scalars(
            select(Contact).where(Contact.email == "a.ndiaye@asef-senegal.example.org")
        ).one()
        (message,) = [m for m in messages(imported, kind=FOLLOWUP) if m.contact_id == ndiaye.id]
        who = Answering(
            ndiaye,
            session.get_one(Message, message.id).partnership,
            FOLLOWUP,
            session.get_one(Message, message.id),
        )
        answers = EvaluationAnswers(comment="Très utile", join_discussion="yes")
        record_answer(session, who, answers, ResponseChannel.PORTAL, sent_at + timedelta(days=2))
    with transaction(imported) as session:
        rows = {
            row["contributor"]: row
            for row in contributor_record(session, sent_at + timedelta(days=3))
        }
    assert rows["Awa Ndiaye"]["informed"] == "sent on 2025-05-21"
    assert rows["Awa Ndiaye"]["answered"] == "2025-05-23"
    assert rows["Awa Ndiaye"]["joins discussion"] == "yes"
    assert rows["Awa Ndiaye"]["comment"] == "Très utile"
    assert rows["Mamadou Lamine Diallo"]["informed"] == "skipped: opted out"
    assert rows["Mamadou Lamine Diallo"]["answered"] == ""


def test_an_answer_counts_for_its_own_evaluation_only(imported: Engine, app_env) -> None:
    first = add_evaluation(imported, completed_on="2025-05-20")
    sent_at = datetime(2025, 5, 21, 10, tzinfo=UTC)
    plan(imported, FOLLOWUP, sent_at)
    deliver_all(imported, [FOLLOWUP], sent_at)
    with transaction(imported) as session:
        message = session.scalars(
            select(Message).where(
                Message.occurrence_key == f"evaluation_followup:evaluation{first}"
            )
        ).first()
        assert message is not None
        who = Answering(message.contact, message.partnership, FOLLOWUP, message)
        answers = EvaluationAnswers(comment="Oui", join_discussion="yes")
        record_answer(session, who, answers, ResponseChannel.PORTAL, sent_at)
    second = add_evaluation(imported, completed_on="2025-06-20")
    with transaction(imported) as session:
        rows = contributor_record(session, datetime(2025, 7, 1, tzinfo=UTC))
    answered = {(row["evaluation"], row["answered"] != "") for row in rows}
    assert (first, True) in answered and (second, True) not in answered


def test_a_discussion_still_ahead_is_offered_with_its_time_and_place(
    imported: Engine, app_env, outbox
) -> None:
    add_evaluation(imported, **DISCUSSION)
    sent_at = datetime(2025, 5, 21, 10, tzinfo=UTC)
    plan(imported, FOLLOWUP, sent_at)
    deliver_all(imported, [FOLLOWUP], sent_at)
    text = outbox()[0].get_body(("plain",)).get_content()
    assert "Nous vous invitons à en discuter avec nous le 12 juin 2025, 10:00" in text
    assert "Où : Dakar et en ligne" in text
    assert "Donner votre avis et participer à la discussion : https://" in text


def test_a_discussion_past_when_the_findings_go_out_is_told_as_held(
    imported: Engine, app_env, outbox
) -> None:
    """Checked the day before the discussion, sent the day after: the mail tells it as it
    is when it goes out, and invites comments only."""
    add_evaluation(imported, **DISCUSSION)
    planned_at = datetime(2025, 6, 11, 10, tzinfo=UTC)
    plan(imported, FOLLOWUP, planned_at)
    with transaction(imported) as session:
        (sample,) = check_planned(session, get_settings(), [FOLLOWUP]).samples.values()
    assert "Nous vous invitons à en discuter avec nous le 12 juin 2025" in sample.text
    deliver_all(imported, [FOLLOWUP], planned_at + timedelta(days=2))
    mails = outbox()
    assert len(mails) == 2
    for mail in mails:
        text = mail.get_body(("plain",)).get_content()
        assert "La discussion de ces conclusions a eu lieu le 12 juin 2025." in text
        assert "Donner votre avis : https://" in text
        assert "Nous vous invitons" not in text and "participer" not in text
        assert "Dakar et en ligne" not in text
