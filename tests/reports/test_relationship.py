from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from continuity.cli.main import app
from db.engine import transaction
from db.models import Contact, Response, ResponseChannel, TouchpointKind
from flows.registry import FLOWS
from tasks.reports.relationship import report
from tasks.staff.focal_points import add_focal_point
from tests.pipeline import deliver_all, messages, plan, reply

SENT = datetime(2026, 12, 1, 12, tzinfo=UTC)
CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN
WORDS = "Oui, les clubs continuent avec les enseignantes de Kolda."


@pytest.fixture
def history(imported: Engine, app_env) -> Engine:
    plan(imported, CHECKIN, SENT)
    deliver_all(imported, [CHECKIN], SENT)
    sent = {m.contact.email: m for m in messages(imported, kind=CHECKIN)}
    with transaction(imported) as session:
        for email, answers in [
            (
                "a.ndiaye@asef-senegal.example.org",
                {"sustained": "no", "capacity": 4, "support_needed": "Formation"},
            ),
            ("g.otieno@kccpn.example.or.ke", {"sustained": "yes", "capacity": 1}),
            ("mj.pena@funiter.example.co", {"sustained": "yes", "capacity": 5}),
        ]:
            message = sent[email]
            session.add(
                Response(
                    message_id=message.id,
                    contact_id=message.contact_id,
                    partnership_id=message.partnership_id,
                    channel=ResponseChannel.PORTAL,
                    kind=str(CHECKIN),
                    received_at=SENT + timedelta(days=1),
                    answers=answers,
                )
            )
        bounced = session.scalars(
            select(Contact).where(Contact.email == "e.lokwawi@tget.example.or.ke")
        ).one()
        bounced.suppressed_at, bounced.suppression_reason = SENT, "hard bounce 5.1.1"
    return imported


def sections(engine: Engine, at: datetime) -> dict:
    with transaction(engine) as session:
        return report(session, at)


def test_results_at_risk_are_listed_with_the_answers_that_put_them_there(history: Engine) -> None:
    at_risk = {
        row["partner"]: row["why"] for row in sections(history, SENT + timedelta(days=2))["at_risk"]
    }
    assert at_risk == {
        "Association Sénégalaise pour l'Éducation des Filles": "results not sustained",
        "Kenya Community Child Protection Network": "local capacity 1/5",
    }


def test_partners_not_heard_from_are_listed(history: Engine) -> None:
    quiet = sections(history, SENT + timedelta(days=2))["not_heard_from"]
    names = {row["partner"]: row["gap"] for row in quiet}
    assert "Fundación Niñez y Territorio" not in names
    assert names["Turkana Girls' Education Trust"] == "not heard from"
    later = {
        row["partner"]: row["gap"]
        for row in sections(history, SENT + timedelta(days=365))["not_heard_from"]
    }
    assert later["Fundación Niñez y Territorio"] == "not reached"


def test_response_rates_by_kind_country_and_language(history: Engine) -> None:
    rates = sections(history, SENT + timedelta(days=2))["response_rates"]
    by_kind = next(row for row in rates if row["by"] == "kind")
    assert by_kind["kind"] == "sustainability_checkin" and by_kind["answered"] == 3
    by_country = {row["country"]: row for row in rates if row["by"] == "country"}
    assert by_country["COL"]["answered"] == 1 and by_country["COL"]["delivered"] == 5
    assert {row["language"] for row in rates if row["by"] == "language"} == {"fr", "en", "es"}


def test_follow_ups_and_suppressions_are_listed(history: Engine) -> None:
    found = sections(history, SENT + timedelta(days=2))
    assert any(row["state"] == "upcoming" for row in found["follow_ups"])
    assert any(
        row["what"] == "suppressed: hard bounce"
        and "hard bounce 5.1.1" in row["suppressed because"]
        for row in found["bounces"]
    )


@pytest.mark.usefixtures("prefect_api")
def test_the_weekly_flow_publishes_keyed_artifacts(history: Engine) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    FLOWS["relationship-report"](as_of=SENT + timedelta(days=2))
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(like_="relationship-"))
        )
    keys = {artifact.key for artifact in found if artifact.key}
    assert keys >= {
        "relationship-report",
        "relationship-at-risk",
        "relationship-not-heard-from",
        "relationship-response-rates",
        "relationship-follow-ups",
        "relationship-bounces",
    }


def test_continuity_report_prints_the_same(history: Engine) -> None:
    result = CliRunner().invoke(
        app, ["report", "--as-of", (SENT + timedelta(days=2)).isoformat()], env={"COLUMNS": "250"}
    )
    assert result.exit_code == 0, result.output
    assert "at risk (2)" in result.stdout and "results not sustained" in result.stdout
    assert "@" not in result.stdout


def test_supporters_and_partnerships_no_one_supports_are_listed(history: Engine) -> None:
    from tasks.staff.influence import InfluenceChange, apply_change

    with transaction(history) as session:
        apply_change(
            session,
            InfluenceChange(
                action="add",
                partnership="SEN/PCA2021001/PD2021004",
                name="Mairie de Kolda",
                kind="body",
                role="cantines",
            ),
        )
    found = sections(history, SENT + timedelta(days=2))
    assert found["supporters"] == [
        {
            "partnership": "SEN/PCA2021001/PD2021004",
            "supporters": "Mairie de Kolda (body, cantines)",
            "count": 1,
        }
    ]
    uncovered = {row["partnership"] for row in found["no_supporters"]}
    assert "SEN/PCA2021001/PD2021004" not in uncovered and uncovered


def test_the_report_shows_what_partners_said_and_what_waits_too_long(history: Engine) -> None:
    reply(history, "o.ba@rjsc-kolda.example.org", "Les pairs éducateurs continuent.", SENT)
    reply(history, "a.ndiaye@asef-senegal.example.org", WORDS, SENT + timedelta(days=8))
    found = sections(history, SENT + timedelta(days=9))
    assert [row["text"] for row in found["partners_said"]] == [WORDS]
    late, formation = found["waiting_for_answer"]
    assert late["text"] == "Les pairs éducateurs continuent." and late["waiting"] == 7
    assert late["from"] == "Ousmane Ba" and late["handled"] == "no"
    assert formation["text"] == "Formation", "the fixture's check-in asked for support"


def test_partnerships_whose_words_reach_no_focal_point_are_listed(history: Engine) -> None:
    reply(history, "a.ndiaye@asef-senegal.example.org", WORDS, SENT)
    (row,) = sections(history, SENT + timedelta(days=1))["no_focal_point"]
    assert row["partnership"] == "SEN/PCA2021001/PD2021004" and row["waiting"] == 2
    assert "Aïssatou Sow" in row["why"], "names whom to register in the staff directory"
    with transaction(history) as session:
        add_focal_point(session, "Aissatou SOW", "a.sow@unicef.example.org", "fr")
    assert sections(history, SENT + timedelta(days=1))["no_focal_point"] == []


def test_the_cli_prints_the_words_and_prefect_never_keeps_them(history: Engine) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    reply(history, "a.ndiaye@asef-senegal.example.org", WORDS, SENT + timedelta(days=1))
    at = (SENT + timedelta(days=2)).isoformat()
    result = CliRunner().invoke(app, ["report", "--as-of", at], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "partners said (2)" in result.stdout and "enseignantes" in result.stdout
    FLOWS["relationship-report"](as_of=SENT + timedelta(days=2))
    with get_client(sync_client=True) as client:
        said = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=["relationship-partners-said"])
            )
        )
    kept = str([artifact.data for artifact in said])
    assert "SEN/PCA2021001/PD2021004" in kept
    assert "enseignantes" not in kept and "Ndiaye" not in kept and "@" not in kept


def test_no_relationship_artifact_names_a_partner_person(history: Engine) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    reply(history, "a.ndiaye@asef-senegal.example.org", WORDS, SENT + timedelta(days=1))
    result = FLOWS["relationship-report"](as_of=SENT + timedelta(days=2))
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(like_="relationship-"))
        )
    kept = str([artifact.data for artifact in found]) + str(result)
    with transaction(history) as session:
        people = session.scalars(select(Contact.name).where(~Contact.is_staff)).all()
    assert "Ekai Lokwawi" in people, "the suppressed contact is one of them"
    assert [name for name in people if name in kept] == []
    assert "Formation" not in kept, "support needed is the partner's words"
