"""The page a focal-point digest's link opens: the digest's partner messages, and a form
that marks the ticked ones handled, by whom and how."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from continuity.portal.app import create_app
from db.contacts import contacts_with_address
from db.engine import transaction
from db.models import Response
from db.models import TouchpointKind as K
from tasks.clock import Clock
from tasks.settings import get_settings
from tests.focal_points import (
    AWA,
    FIRST_WORDS,
    SECOND_WORDS,
    SOW,
    TUESDAY,
    delivered,
    replied,
)
from tests.pipeline import deliver_all, plan
from tests.portal.test_app import csrf_of, path
from tests.portal.test_browser import PHONE

HOSTILE = "<script>alert(1)</script> {{ 7*7 }}"


@pytest.fixture
def digest(directory: Engine, outbox) -> tuple[TestClient, str, list[int]]:
    """The portal, the link of Aïssatou Sow's digest and the ids of the two replies it
    holds."""
    idents = [
        replied(directory, FIRST_WORDS, TUESDAY + timedelta(hours=1)),
        replied(directory, f"{SECOND_WORDS} {HOSTILE}", TUESDAY + timedelta(hours=2)),
    ]
    plan(directory, K.FOCAL_POINT_DIGEST, TUESDAY + timedelta(days=1))
    mails = delivered(directory, outbox, TUESDAY + timedelta(days=1))
    text = next(m for m in mails if m["To"].addresses[0].addr_spec == SOW)
    body = text.get_body(("plain",)).get_content()
    link = re.search(r"https://portal\.example\.org/handled/\S+", body)
    assert link is not None, "the digest links to its page"
    app = create_app(get_settings(), directory)
    app.state.portal.clock = Clock.at(TUESDAY + timedelta(days=2))
    return TestClient(app, base_url="https://portal.example.org"), path(link[0]), idents


def handled(engine: Engine, ident: int) -> Response:
    with transaction(engine) as session:
        response = session.get_one(Response, ident)
        session.expunge(response)
        return response


def test_the_page_shows_the_digest_messages_in_the_focal_point_language(digest) -> None:
    client, link, _ = digest
    page = client.get(link)
    assert page.status_code == 200 and '<html lang="fr" dir="ltr">' in page.text
    assert FIRST_WORDS in page.text and "Messages des partenaires" in page.text
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    assert "{{ 7*7 }}" in page.text, "partners' words are data, not a template"
    assert 'value="Aïssatou Sow"' in page.text


def test_ticked_messages_are_recorded_handled_by_the_name_given(directory, digest) -> None:
    client, link, (first, second) = digest
    csrf = csrf_of(client.get(link).text)
    fields = {"csrf": csrf, f"done-{first}": "1", "by": "Aïssatou Sow", "note": "Rappelée"}
    page = client.post(link, data=fields)
    assert page.status_code == 200 and "enregistré. Merci." in page.text
    assert (handled(directory, first).handled_by, handled(directory, first).handled_note) == (
        "Aïssatou Sow",
        "Rappelée",
    )
    assert handled(directory, second).handled_at is None
    assert "Traité par Aïssatou Sow" in page.text


def test_nothing_ticked_or_no_name_records_nothing(directory, digest) -> None:
    client, link, (first, _) = digest
    csrf = csrf_of(client.get(link).text)
    assert client.post(link, data={"csrf": csrf, "by": "Awa"}).status_code == 400
    bad = client.post(link, data={"csrf": csrf, f"done-{first}": "1", "by": " \n "})
    assert bad.status_code == 400
    assert handled(directory, first).handled_at is None


def test_a_message_outside_the_digest_cannot_be_handled_through_it(directory, digest) -> None:
    client, link, _ = digest
    other = replied(directory, "Un autre message", TUESDAY + timedelta(days=1, hours=3))
    csrf = csrf_of(client.get(link).text)
    page = client.post(link, data={"csrf": csrf, f"done-{other}": "1", "by": "Intrus"})
    assert page.status_code == 400
    assert handled(directory, other).handled_at is None


def test_a_forged_csrf_or_a_partner_link_opens_nothing(directory, digest, outbox) -> None:
    client, link, (first, _) = digest
    forged = client.post(link, data={"csrf": "x", f"done-{first}": "1", "by": "Awa"})
    assert forged.status_code == 403 and handled(directory, first).handled_at is None
    deliver_all(directory, [K.SUSTAINABILITY_CHECKIN], TUESDAY + timedelta(days=1))
    to_awa = next(m for m in outbox() if m["To"].addresses[0].addr_spec == AWA)
    found = re.search(r"/r/(\S+)", to_awa.get_body(("plain",)).get_content())
    assert found is not None
    token = found[1]
    assert client.get(f"/handled/{token}").status_code == 404
    assert client.get("/handled/not-a-token").status_code == 404


def test_a_focal_point_marks_a_message_handled_on_a_phone(
    directory: Engine, outbox, browser, live_server
) -> None:
    first = replied(directory, FIRST_WORDS, TUESDAY + timedelta(hours=1))
    plan(directory, K.FOCAL_POINT_DIGEST, TUESDAY + timedelta(days=1))
    mails = delivered(directory, outbox, TUESDAY + timedelta(days=1))
    body = mails[0].get_body(("plain",)).get_content()
    link = re.search(r"https://portal\.example\.org(/handled/\S+)", body)
    assert link is not None
    app = create_app(get_settings(), directory)
    app.state.portal.clock = Clock.at(TUESDAY + timedelta(days=2))
    base = live_server(app)
    context = browser.new_context(viewport=PHONE, locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    page.goto(base + link[1])
    assert page.locator("h1").inner_text() == "Messages des partenaires"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_label("J'ai traité ce message").check()
    page.get_by_label("Ce que vous avez fait (facultatif)").fill("Rappel le 3 décembre")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer").click()
    assert "enregistré. Merci." in page.content()
    context.close()
    assert handled(directory, first).handled_note == "Rappel le 3 décembre"


def test_dates_are_shown_in_the_focal_point_s_own_time_zone(directory, digest) -> None:
    client, link, _ = digest
    # The replies came on 1 December, 13:00 and 14:00 UTC: already the 2nd in Kiritimati.
    assert "1 décembre 2026" in client.get(link).text
    with transaction(directory) as session:
        (sow,) = contacts_with_address(session, SOW)
        sow.time_zone = "Pacific/Kiritimati"
    page = client.get(link).text
    assert "2 décembre 2026" in page and "1 décembre 2026" not in page
