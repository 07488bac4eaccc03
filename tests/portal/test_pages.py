"""Every portal page in every language the product writes: `lang`, `dir`, Content-Language
and the other languages offered follow the page's language (Arabic right to left; Arabic,
Portuguese and Russian read English words until translators fill their catalogs), and so
do the problems of a refused form; and the facts each form asks about: the invitation's
time, place, link and deadline, the evaluation's findings, the supporter rows promised."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

import tests.portal.test_app as portal_tests
from continuity.portal.app import create_app
from db.engine import transaction
from db.models import Contact, Message, Response, TouchpointKind
from tasks.clock import Clock
from tasks.countries import SUPPORTED_LANGUAGES
from tasks.responses.links import token_hash
from tasks.settings import get_settings
from tasks.staff.records import EventInput, read_input, record_event
from tasks.translations import direction, gettext
from tests.focal_points import SOW
from tests.pipeline import deliver_all, links_by_recipient, plan
from tests.portal.test_app import AWA, SENT, checkin_answers, csrf_of, path
from tests.portal.test_handling import digest  # noqa: F401 (a fixture)
from tests.touchpoints.test_registry import FIELDS, NOW, SETUPS, route_to_one

# The portal tests' fixtures, shared.
client, links = portal_tests.client, portal_tests.links

K = TouchpointKind
SITE = "UNICEF — staying in touch with our partners"
PENA = "mj.pena@funiter.example.co"
# A value each form refuses, so its page comes back with its problems.
REFUSED = {
    K.SUSTAINABILITY_CHECKIN: {"sustained": "maybe-ish", "capacity": "3"},
    K.CONSULTATION_INVITATION: {"attending": "later"},
    K.POLICY_DIGEST: {"news": "x" * 4001},
    K.EVALUATION_FOLLOWUP: {"join_discussion": "perhaps"},
    K.CORRECTIVE_ACTION: {"status": "soon"},
    K.ACKNOWLEDGEMENT: {"decision": "changes"},
    K.ADHOC: {"comment": "nul\x00"},
}
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def assert_speaks(page, language: str) -> None:
    """The page is in `language`: its attributes and header, the site's name in its words
    (translated, for the languages translated so far), the five others offered."""
    assert f'<html lang="{language}" dir="{direction(language)}">' in page.text
    assert page.headers["content-language"] == language
    site = gettext(language, SITE)
    assert site in page.text and (site != SITE or language not in ("fr", "es"))
    offered = re.findall(r'(?:name="language" value|href)="[^"]*?(\w\w)" lang="(\w\w)"', page.text)
    assert sorted(code for code, _ in offered) == sorted(set(SUPPORTED_LANGUAGES) - {language})


def speak(engine: Engine, language: str, address: str | None = None, route: str = "") -> None:
    """Set the language of the contact with `address`, or of the one `route` opens."""
    with transaction(engine) as session:
        if address is None:
            opened = Message.token_hash == token_hash(route.rsplit("/", 1)[1])
            ident = session.scalars(select(Message.contact_id).where(opened)).one()
        else:
            ident = session.scalars(select(Contact.id).where(Contact.email == address)).one()
        session.execute(update(Contact).where(Contact.id == ident).values(language=language))


@sqlite_only
@pytest.mark.parametrize("kind", list(SETUPS))
def test_each_form_its_problems_and_its_thanks_speak_every_language(
    imported: Engine, app_env, kind: TouchpointKind
) -> None:
    SETUPS[kind](imported)
    deliver_all(imported, [kind], NOW)
    route = route_to_one(imported, kind)
    app = create_app(get_settings(), imported)
    app.state.portal.clock = Clock.at(NOW + timedelta(days=1))
    client = TestClient(app, base_url="https://portal.example.org")
    for language in SUPPORTED_LANGUAGES:
        speak(imported, language, route=route)
        page = client.get(route)
        assert_speaks(page, language)
        refused = client.post(route, data={"csrf": csrf_of(page.text), **REFUSED[kind]})
        assert refused.status_code == 400
        assert_speaks(refused, language)
        assert gettext(language, "Please check these answers:") in refused.text
        assert "Input should" not in refused.text and "Value error" not in refused.text
        done = client.post(route, data={"csrf": csrf_of(page.text), **FIELDS[kind]})
        assert done.status_code == 200
        assert_speaks(done, language)


def test_the_pages_of_a_person_s_data_speak_every_language(client, links, imported) -> None:
    data = path(links[AWA]["respond"]).replace("/r/", "/data/")
    for language in SUPPORTED_LANGUAGES:
        speak(imported, language, AWA)
        for route in (data, f"{data}/forget", path(links[AWA]["opt_out"])):
            assert_speaks(client.get(route), language)
    link = path(links[AWA]["opt_out"])
    client.post(link, data={"csrf": csrf_of(client.get(link).text)})
    for language in SUPPORTED_LANGUAGES:
        shown = client.get(link, params={"lang": language})
        assert gettext(language, "You will not receive these messages any more") in shown.text
        assert_speaks(shown, language)


def test_the_pages_with_no_contact_speak_every_language(client) -> None:
    for language in SUPPORTED_LANGUAGES:
        assert_speaks(client.get("/r/not-a-token", params={"lang": language}), language)
        assert_speaks(client.get("/forgotten", params={"lang": language}), language)


def test_the_focal_point_page_speaks_every_language(digest, directory: Engine) -> None:  # noqa: F811
    client, link, _ = digest
    for language in SUPPORTED_LANGUAGES:
        speak(directory, language, SOW)
        assert_speaks(client.get(link), language)


@pytest.fixture
def invited(imported: Engine, app_env, outbox) -> TestClient:
    """The portal a day after Colombian partners were invited to a forum with a place, an
    online link and an RSVP deadline."""
    event = {
        "title": {"es": "Foro regional", "fr": "Forum régional"},
        "topic": {"es": "Primera parte.\n\nSegunda parte."},
        "starts_at": "2027-02-10T14:00:00Z",
        "place": "Bogotá, sede de UNICEF",
        "link": "https://meet.example.org/foro",
        "rsvp_deadline": "2027-02-01T00:00:00Z",
        "countries": ["COL"],
    }
    with transaction(imported) as session:
        record_event(session, read_input(EventInput, None, event))
    plan(imported, K.CONSULTATION_INVITATION, SENT)
    deliver_all(imported, [K.CONSULTATION_INVITATION], SENT)
    app = create_app(get_settings(), imported)
    app.state.portal.clock = Clock.at(SENT + timedelta(days=1))
    client = TestClient(app, base_url="https://portal.example.org")
    client.links = links_by_recipient(outbox())  # type: ignore[attr-defined]
    return client


def test_the_rsvp_page_shows_when_where_how_and_until_when(invited: TestClient) -> None:
    page = invited.get(path(invited.links[PENA]["respond"]))  # type: ignore[attr-defined]
    assert "<h2>Foro regional</h2>" in page.text
    bogota = "(hora estándar de Colombia)"
    assert f"<dd>10 de febrero de 2027, 9:00 {bogota}</dd>" in page.text
    assert "<dd>Bogotá, sede de UNICEF</dd>" in page.text
    assert '<a href="https://meet.example.org/foro" dir="ltr">' in page.text
    deadline = f"31 de enero de 2027, 19:00 {bogota}"
    assert f"<dt>Responder a más tardar el:</dt><dd>{deadline}</dd>" in page.text
    assert "<p>Primera parte.</p>" in page.text and "<p>Segunda parte.</p>" in page.text
    assert f"Puede volver y cambiar sus respuestas hasta el {deadline}." in page.text


def test_rsvp_answers_close_at_the_deadline(invited: TestClient, imported: Engine) -> None:
    link = path(invited.links[PENA]["respond"])  # type: ignore[attr-defined]
    portal = invited.app.state.portal  # type: ignore[attr-defined]
    portal.clock = Clock.at(datetime(2027, 1, 31, 23, 59, tzinfo=UTC))
    csrf = csrf_of(invited.get(link).text)
    portal.clock = Clock.at(datetime(2027, 2, 1, tzinfo=UTC))
    assert invited.get(link).status_code == 404
    assert invited.post(link, data={"csrf": csrf, "attending": "yes"}).status_code == 404
    with transaction(imported) as session:
        assert session.scalars(select(Response)).all() == []


@sqlite_only
def test_the_evaluation_page_shows_what_it_asks_about(imported: Engine, app_env) -> None:
    SETUPS[K.EVALUATION_FOLLOWUP](imported)
    deliver_all(imported, [K.EVALUATION_FOLLOWUP], NOW)
    route = route_to_one(imported, K.EVALUATION_FOLLOWUP)
    app = create_app(get_settings(), imported)
    app.state.portal.clock = Clock.at(NOW + timedelta(days=1))
    page = TestClient(app, base_url="https://portal.example.org").get(route)
    found = re.findall(r"<h2>([^<]+)</h2>\n<p>([^<]+)</p>", page.text)
    assert found == [
        ("Conclusions", "Des résultats solides."),
        ("Enseignements tirés", "Associer les familles."),
        ("Recommandations", "Étendre."),
    ]
    assert "Vos commentaires sur les constats de l&#39;évaluation" not in page.text
    assert "Vos commentaires sur les constats de l'évaluation" in page.text


def test_the_check_in_shows_as_many_supporter_rows_as_it_promises(client, links, imported):
    link = path(links[AWA]["respond"])
    page = client.get(link)
    rows = re.findall(r'name="supporter-(\d+)-name"', page.text)
    assert rows == [str(row) for row in range(8)]
    assert "Vous pouvez citer jusqu'à 8 soutiens" in page.text
    assert "<details>\n<summary>Citer d'autres soutiens</summary>" in page.text
    named = {f"supporter-{row}-name": f"Soutien {row}" for row in range(8)}
    done = client.post(link, data=checkin_answers(csrf_of(page.text), **named))
    assert done.status_code == 200
    with transaction(imported) as session:
        answer = session.scalars(select(Response)).one()
        assert [s["name"] for s in answer.answers["supporters"]] == list(named.values())
    assert "<details open>" in client.get(link).text, "the rows filled are shown"
