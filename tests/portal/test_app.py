from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select

from continuity.portal.app import create_app
from db.engine import transaction
from db.models import Contact, InfluenceEntry, Response, TouchpointKind
from tasks.clock import Clock
from tasks.settings import get_settings
from tests.pipeline import deliver_all, links_by_recipient, plan

SENT = datetime(2026, 12, 1, 12, tzinfo=UTC)
AWA = "a.ndiaye@asef-senegal.example.org"
CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN


@pytest.fixture
def links(imported: Engine, app_env, outbox) -> dict[str, dict[str, str]]:
    plan(imported, CHECKIN, SENT)
    deliver_all(imported, [CHECKIN], SENT)
    return links_by_recipient(outbox())


@pytest.fixture
def client(imported: Engine, links) -> TestClient:
    app = create_app(get_settings(), imported)
    app.state.portal.clock = Clock.at(SENT + timedelta(days=2))
    return TestClient(app, base_url="https://portal.example.org")


def path(link: str) -> str:
    return link.removeprefix("https://portal.example.org")


def csrf_of(html: str) -> str:
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def checkin_answers(csrf: str, **extra: str) -> dict[str, str]:
    return {
        "csrf": csrf,
        "sustained": "partly",
        "capacity": "2",
        "supporter-0-name": "Mairie de Kolda",
        "supporter-0-kind": "body",
        "supporter-0-role": "finance les cantines",
        "supporter-1-name": "Aminata Sow",
        "supporter-1-kind": "person",
        "support_needed": "Formation des enseignants",
        **extra,
    }


def responses(engine: Engine) -> list[Response]:
    with transaction(engine) as session:
        return list(session.scalars(select(Response).order_by(Response.id)))


def test_the_form_opens_in_the_contact_language_with_security_headers(client, links) -> None:
    page = client.get(path(links[AWA]["respond"]))
    assert page.status_code == 200
    assert '<html lang="fr" dir="ltr">' in page.text
    assert "Les résultats du partenariat se maintiennent-ils ?" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-frame-options"] == "DENY"
    assert "<script" not in page.text


def test_an_answer_is_recorded_with_its_supporters(client, links, imported: Engine) -> None:
    form = client.get(path(links[AWA]["respond"]))
    done = client.post(path(links[AWA]["respond"]), data=checkin_answers(csrf_of(form.text)))
    assert done.status_code == 200
    assert "Vos réponses ont été enregistrées" in done.text and "Mairie de Kolda" in done.text
    (answer,) = responses(imported)
    assert answer.answers["sustained"] == "partly" and answer.answers["capacity"] == 2
    assert answer.channel == "portal" and answer.kind == "sustainability_checkin"
    with transaction(imported) as session:
        names = {e.name: e.kind for e in session.scalars(select(InfluenceEntry))}
    assert names == {"Mairie de Kolda": "body", "Aminata Sow": "person"}


def test_a_revision_keeps_the_earlier_version(client, links, imported: Engine) -> None:
    link = path(links[AWA]["respond"])
    client.post(link, data=checkin_answers(csrf_of(client.get(link).text)))
    again = client.get(link)
    assert "Voici les réponses que vous avez envoyées" in again.text
    assert 'value="Mairie de Kolda"' in again.text
    client.post(
        link,
        data=checkin_answers(
            csrf_of(again.text), sustained="yes", **{"supporter-0-name": "Conseil départemental"}
        ),
    )
    first, second = responses(imported)
    assert first.superseded_at is not None and first.answers["sustained"] == "partly"
    assert (second.revision, second.superseded_at, second.answers["sustained"]) == (2, None, "yes")
    with transaction(imported) as session:
        active = {
            e.name for e in session.scalars(select(InfluenceEntry).where(InfluenceEntry.active))
        }
    assert active == {"Conseil départemental", "Aminata Sow"}


def test_a_refused_answer_shows_the_supporters_just_typed(client, links) -> None:
    link = path(links[AWA]["respond"])
    posted = checkin_answers(csrf_of(client.get(link).text), capacity="9")
    refused = client.post(link, data=posted)
    assert refused.status_code == 400 and 'value="Mairie de Kolda"' in refused.text
    assert 'value="finance les cantines"' in refused.text


@pytest.mark.parametrize("token", ["nope", "x" * 43, "", "../../etc/passwd", "a" * 5000])
def test_wrong_tokens_get_the_same_plain_page(client, token: str) -> None:
    page = client.get(f"/r/{token}")
    assert page.status_code == 404
    assert "This link is not valid" in page.text


def test_an_expired_token_looks_like_any_invalid_one(client, links) -> None:
    client.app.state.portal.clock = Clock.at(SENT + timedelta(days=91))
    page = client.get(path(links[AWA]["respond"]))
    assert page.status_code == 404 and "This link is not valid" in page.text


def test_a_tampered_token_opens_nothing(client, links) -> None:
    link = path(links[AWA]["respond"])
    tampered = link[:-1] + ("A" if link[-1] != "A" else "B")
    assert client.get(tampered).status_code == 404


@pytest.mark.faults
def test_a_post_without_a_valid_csrf_token_is_refused(client, links, imported: Engine) -> None:
    link = path(links[AWA]["respond"])
    assert client.post(link, data=checkin_answers("123.forged")).status_code == 403
    other = path(links["ml.diallo@asef-senegal.example.org"]["respond"])
    stolen = csrf_of(client.get(other).text)
    assert client.post(link, data=checkin_answers(stolen)).status_code == 403
    assert responses(imported) == []


@pytest.mark.faults
def test_hostile_and_oversized_answers_are_refused_or_escaped(
    client, links, imported: Engine
) -> None:
    link = path(links[AWA]["respond"])
    csrf = csrf_of(client.get(link).text)
    too_long = client.post(link, data=checkin_answers(csrf, comment="x" * 4001))
    assert too_long.status_code == 400
    shortened = "Commentaire : Veuillez raccourcir cette réponse à 4\u202f000 caractères au plus."
    assert shortened in too_long.text
    wrong = client.post(link, data={"csrf": csrf, "sustained": "maybe-ish", "capacity": "9"})
    assert wrong.status_code == 400 and "Merci de vérifier" in wrong.text
    huge = client.post(
        link,
        content=b"a=" + b"x" * 70_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert huge.status_code == 413
    script = '<script>alert("x")</script>'
    shown = client.post(
        link, data=checkin_answers(csrf, comment=script, **{"supporter-0-name": script})
    )
    assert shown.status_code == 200 and script not in shown.text and "&lt;script&gt;" in shown.text
    assert responses(imported)[-1].answers["comment"] == script


def test_opt_out_get_changes_nothing_and_post_opts_out(client, links, imported: Engine) -> None:
    link = path(links[AWA]["opt_out"])
    page = client.get(link)
    assert page.status_code == 200 and "Ne plus recevoir ces messages" in page.text
    with transaction(imported) as session:
        assert (
            session.scalars(select(Contact).where(Contact.email == AWA)).one().opted_out_at is None
        )
    done = client.post(link, data={"csrf": csrf_of(page.text)})
    assert "Vous ne recevrez plus ces messages" in done.text
    with transaction(imported) as session:
        assert (
            session.scalars(select(Contact).where(Contact.email == AWA)).one().opted_out_at
            is not None
        )
    assert [r.kind for r in responses(imported)] == ["opt_out"]


def test_the_rfc_8058_one_click_post_needs_no_form(client, links, imported: Engine) -> None:
    link = path(links["g.otieno@kccpn.example.or.ke"]["opt_out"])
    done = client.post(
        link,
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200 and done.text == "unsubscribed"
    with transaction(imported) as session:
        contact = session.scalars(
            select(Contact).where(Contact.email == "g.otieno@kccpn.example.or.ke")
        ).one()
        assert contact.opted_out_at is not None


def test_no_other_partner_data_is_reachable(client, links) -> None:
    page = client.get(path(links[AWA]["respond"]))
    assert "Kenya" not in page.text and "FUNITER" not in page.text
    assert client.get("/docs").status_code == 404
    assert client.get("/openapi.json").status_code == 404


@pytest.mark.faults
def test_control_characters_are_refused_with_a_clear_message(
    client, links, imported: Engine
) -> None:
    link = path(links[AWA]["respond"])
    csrf = csrf_of(client.get(link).text)
    refused = client.post(
        link, data=checkin_answers(csrf, comment="nul\x00byte", **{"supporter-0-name": "bell\x07"})
    )
    assert refused.status_code == 400 and "contains control characters" not in refused.text
    problem = "Cette réponse contient des caractères de contrôle invisibles"
    assert f"Commentaire : {problem}" in refused.text
    assert f"Soutiens de l&#39;impact : {problem}" in refused.text
    assert responses(imported) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_answer_takes_the_sqlite_write_lock_before_reading(
    client, links, imported: Engine
) -> None:
    """A deferred transaction that reads, then writes, fails at once with "database is
    locked" when a delivery committed in between; the portal waits for the lock instead.
    SQLite only: PostgreSQL locks rows, not the database."""
    begun: list[str] = []
    listen = lambda conn, cursor, statement, *rest: begun.append(statement)  # noqa: E731
    event.listen(imported, "before_cursor_execute", listen)
    try:
        form = client.get(path(links[AWA]["respond"]))
        begun.clear()
        client.post(path(links[AWA]["respond"]), data=checkin_answers(csrf_of(form.text)))
    finally:
        event.remove(imported, "before_cursor_execute", listen)
    assert begun[0] == "BEGIN IMMEDIATE"
