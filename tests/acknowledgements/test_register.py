"""Public acknowledgements from draft to publication: staff approval, the partner's answer
through the real portal app, pages written to disk and withdrawn consent unpublished."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine

from continuity.portal.app import create_app
from db.acknowledgements import acknowledgement_of, acknowledgements
from db.engine import transaction
from db.models import TouchpointKind
from tasks.acknowledgements.changes import AcknowledgementChange, apply_change
from tasks.acknowledgements.register import AcknowledgementError
from tasks.acknowledgements.stages import draft_acknowledgements, publish_pages
from tasks.clock import Clock
from tasks.countries import SUPPORTED_LANGUAGES
from tasks.settings import get_settings
from tasks.staff.records import EvaluationInput, read_input, record_evaluation
from tests.pipeline import deliver_all, links_by_recipient, messages, plan

ASEF = "SEN/PCA2021001/PD2021004"
RESEAU = "SEN/PCA2020007/PD2022001"
FUNDACION = "COL/PCA2020003/PD2021008"
AWA = "a.ndiaye@asef-senegal.example.org"
KIND = TouchpointKind.ACKNOWLEDGEMENT
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
# Senegal's page in every language: `sen.html` in French, the others `sen.<language>.html`.
SENEGAL_PAGES = sorted(
    "sen.html" if language == "fr" else f"sen.{language}.html" for language in SUPPORTED_LANGUAGES
)


def staff(engine: Engine, action: str, **fields) -> dict:
    with transaction(engine) as session:
        made = AcknowledgementChange(
            action=action, partnership=ASEF, recorded_by="Aïssatou Sow", **fields
        )
        return apply_change(session, made, NOW)


@pytest.fixture
def drafted(imported: Engine, app_env, tmp_path: Path) -> Engine:
    app_env.setenv("CONTINUITY_PUBLIC_DIR", str(tmp_path / "public"))
    get_settings.cache_clear()
    data = read_input(
        EvaluationInput,
        None,
        {
            "partnership": ASEF,
            "completed_on": "2025-05-20",
            "conclusions": {"fr": "Le taux de scolarisation des filles a doublé à Kolda."},
            "lessons": {"fr": "Associer les familles."},
            "recommendations": {"fr": "Étendre à Sédhiou."},
            "contributors": [AWA],
        },
    )
    with transaction(imported) as session:
        record_evaluation(session, data)
    draft_acknowledgements.fn()
    return imported


def ask_partner(engine: Engine, outbox, at: datetime = NOW) -> dict[str, dict[str, str]]:
    """Plan and send the approval requests due at `at`; return the links of those sent."""
    before = {mail["Message-ID"] for mail in outbox()}
    plan(engine, KIND, at)
    deliver_all(engine, [KIND], at)
    return links_by_recipient([mail for mail in outbox() if mail["Message-ID"] not in before])


def portal(engine: Engine) -> TestClient:
    app = create_app(get_settings(), engine)
    app.state.portal.clock = Clock.at(NOW + timedelta(days=1))
    return TestClient(app, base_url="https://portal.example.org")


def answer(client: TestClient, link: str, **fields: str):
    route = link.removeprefix("https://portal.example.org")
    page = client.get(route)
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    return client.post(route, data={"csrf": csrf, **fields})


def test_every_ended_partnership_gets_a_draft_from_its_recorded_results(drafted: Engine) -> None:
    with transaction(drafted) as session:
        found = acknowledgement_of(session, ASEF)
        assert found is not None
        assert found.text["fr"].startswith(
            "Du 1 septembre 2021 au 31 décembre 2024, l'UNICEF et l'organisation"
            " Association Sénégalaise pour l'Éducation des Filles ont travaillé ensemble"
        )
        assert "Le taux de scolarisation des filles a doublé à Kolda." in found.text["fr"]
        assert found.text["en"].startswith("From ")
        references = {item.partnership.reference_number for item in acknowledgements(session)}
        assert "SEN/PCA2021001/PD2025002" not in references
    assert draft_acknowledgements.fn() == 0


def test_nothing_is_asked_or_published_before_staff_approve(drafted: Engine, outbox) -> None:
    assert ask_partner(drafted, outbox) == {}
    published = publish_pages.fn(Clock.at(NOW))
    assert published["pages"] == {} and published["published"] == []


def test_published_after_both_sides_approve_and_unpublished_on_withdrawal(
    drafted: Engine, outbox
) -> None:
    staff(drafted, "approve")
    links = ask_partner(drafted, outbox)
    assert AWA in links and len(links) == 3
    client = portal(drafted)
    page = client.get(links[AWA]["respond"].removeprefix("https://portal.example.org"))
    assert "doublé à Kolda" in page.text and "J&#39;approuve ce texte" in page.text
    assert answer(client, links[AWA]["respond"], decision="approve").status_code == 200
    published = publish_pages.fn(Clock.at(NOW))
    assert published["pages"] == {"sen": 1} and published["published"] == [ASEF]
    folder = get_settings().public_dir
    html = (folder / "sen.html").read_text(encoding="utf-8")
    assert '<html lang="fr" dir="ltr">' in html and "doublé à Kolda" in html
    french, english = (folder / name for name in ("index.fr.html", "index.html"))
    assert '<a href="sen.html">Sénégal</a>' in french.read_text(encoding="utf-8")
    assert '<a href="sen.en.html">Senegal</a>' in english.read_text(encoding="utf-8")
    answer(client, links[AWA]["respond"], decision="withdraw")
    again = publish_pages.fn(Clock.at(NOW))
    assert again["removed"] == SENEGAL_PAGES and again["unpublished"] == [ASEF]
    assert not (folder / "sen.html").exists()


def test_proposed_changes_need_a_new_revision_approved_by_both(drafted: Engine, outbox) -> None:
    staff(drafted, "approve")
    first = ask_partner(drafted, outbox)[AWA]["respond"]
    client = portal(drafted)
    assert answer(client, first, decision="changes").status_code == 400
    answer(client, first, decision="changes", changes="Citez aussi la mairie de Kolda.")
    with pytest.raises(AcknowledgementError, match="proposed changes"):
        staff(drafted, "approve")
    staff(drafted, "edit", texts={"fr": "Avec la mairie de Kolda, l'ASEF a doublé…"})
    assert staff(drafted, "approve")["revision"] == 2
    late = answer(client, first, decision="approve")
    assert late.status_code == 200 and "porte sur une version antérieure" in late.text
    assert publish_pages.fn(Clock.at(NOW))["pages"] == {}
    second = ask_partner(drafted, outbox, NOW + timedelta(hours=1))[AWA]["respond"]
    assert second != first
    answer(client, second, decision="approve")
    html = get_settings().public_dir / "sen.html"
    publish_pages.fn(Clock.at(NOW))
    assert "Avec la mairie de Kolda" in html.read_text(encoding="utf-8")
    assert {m.occurrence_key[-3:] for m in messages(drafted, kind=KIND)} == {":r1", ":r2"}


def test_an_edit_after_publication_unpublishes_until_approved_again(
    drafted: Engine, outbox
) -> None:
    staff(drafted, "approve")
    link = ask_partner(drafted, outbox)[AWA]["respond"]
    answer(portal(drafted), link, decision="approve")
    publish_pages.fn(Clock.at(NOW))
    staff(drafted, "edit", texts={"fr": "Un texte que l'ASEF n'a pas vu."})
    done = publish_pages.fn(Clock.at(NOW))
    assert done["unpublished"] == [ASEF] and done["removed"] == SENEGAL_PAGES


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"action": "edit"}, "at least one language"),
        ({"action": "edit", "texts": {"de": "Danke"}}, "languages de"),
        ({"action": "edit", "texts": {"fr": "a\x1bb"}}, "control characters"),
        ({"action": "edit", "texts": {"fr": "x" * 8001}}, "at most 8000"),
        ({"action": "publish"}, "action"),
        ({"action": "approve", "partnership": ""}, "at least 1"),
    ],
)
def test_bad_staff_changes_are_refused(fields: dict, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        AcknowledgementChange.model_validate(
            {"partnership": ASEF, "recorded_by": "A. Staff", **fields}
        )


def test_an_unknown_acknowledgement_is_named(imported: Engine) -> None:
    change = AcknowledgementChange(action="approve", partnership="NOPE", recorded_by="X")
    with (
        pytest.raises(AcknowledgementError, match="no acknowledgement for 'NOPE'"),
        transaction(imported) as session,
    ):
        apply_change(session, change, NOW)


def test_an_approval_does_not_override_changes_a_colleague_proposed(
    drafted: Engine, outbox
) -> None:
    staff(drafted, "approve")
    links = ask_partner(drafted, outbox)
    client = portal(drafted)
    answer(client, links[AWA]["respond"], decision="changes", changes="Citez la mairie.")
    other = next(address for address in links if address != AWA)
    answer(client, links[other]["respond"], decision="approve")
    assert publish_pages.fn(Clock.at(NOW))["pages"] == {}


def test_a_withdrawal_stands_until_a_new_revision_is_approved_by_the_partner(
    drafted: Engine, outbox
) -> None:
    staff(drafted, "approve")
    link = ask_partner(drafted, outbox)[AWA]["respond"]
    client = portal(drafted)
    staff(drafted, "withdraw")
    answer(client, link, decision="approve")
    assert publish_pages.fn(Clock.at(NOW))["pages"] == {}
    with pytest.raises(AcknowledgementError, match="withdrew consent"):
        staff(drafted, "approve")
    staff(drafted, "edit", texts={"fr": "Un nouveau texte."})
    staff(drafted, "approve")
    fresh = ask_partner(drafted, outbox, NOW + timedelta(hours=2))[AWA]["respond"]
    answer(client, fresh, decision="approve")
    assert publish_pages.fn(Clock.at(NOW))["pages"] == {"sen": 1}


def test_an_edit_keeps_the_other_languages_and_cancels_requests_not_yet_sent(
    drafted: Engine, app_env, outbox
) -> None:
    staff(drafted, "approve")
    app_env.setenv("CONTINUITY_SENDING_WINDOW", "mon-fri 09:00-09:01")
    get_settings.cache_clear()
    plan(drafted, KIND, NOW.replace(hour=3), window=get_settings().window)
    staff(drafted, "edit", texts={"fr": "Texte revu."})
    requests = messages(drafted, kind=KIND)
    assert requests and {m.status for m in requests} == {"cancelled"}
    assert {m.status_reason for m in requests} == {"revision 1 revised"}
    with transaction(drafted) as session:
        found = acknowledgement_of(session, ASEF)
        assert found is not None and found.text["fr"] == "Texte revu."
        assert found.text["en"].startswith("From ") and found.text["es"].startswith("Del ")


def test_the_partner_is_asked_about_the_text_staff_approved(drafted: Engine, outbox) -> None:
    staff(drafted, "approve")
    (request, *_) = messages(drafted, kind=KIND) or [None]
    assert request is None
    plan(drafted, KIND, NOW)
    (first, *_) = messages(drafted, kind=KIND)
    with transaction(drafted) as session:
        found = acknowledgement_of(session, ASEF)
        assert found is not None and first.context["text"] == found.text


def test_unanswered_requests_are_reminded_until_any_contact_answers(
    drafted: Engine, outbox
) -> None:
    staff(drafted, "approve")
    links = ask_partner(drafted, outbox)
    plan(drafted, TouchpointKind.REMINDER, NOW + timedelta(days=8))
    assert len(messages(drafted, kind=TouchpointKind.REMINDER)) == 3
    answer(portal(drafted), links[AWA]["respond"], decision="approve")
    plan(drafted, TouchpointKind.REMINDER, NOW + timedelta(days=15))
    assert len(messages(drafted, kind=TouchpointKind.REMINDER)) == 3
