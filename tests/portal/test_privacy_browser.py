"""The person's data page in a real browser (Debian's Chromium, no JavaScript, a phone's
screen, French): from the form to the download, then to being forgotten."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, select

import tests.portal.test_browser as browser_tests
from db.engine import transaction
from db.models import Contact
from tests.portal.test_browser import AWA, submit

# The browser tests' fixtures, shared.
portal, page = browser_tests.portal, browser_tests.page


def test_a_partner_downloads_their_data_then_asks_to_be_forgotten(
    portal, page, imported: Engine, tmp_path: Path
) -> None:
    respond = portal.checkins[AWA]["respond"]
    page.goto(respond)
    with page.expect_navigation():
        page.get_by_role("link", name="Vos données", exact=False).click()
    assert page.locator("h1").inner_text() == "Vos données"
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Télécharger mes données (fichier JSON)").click()
    saved = tmp_path / "mine.json"
    waiting.value.save_as(saved)
    document = json.loads(saved.read_text(encoding="utf-8"))
    assert [contact["address"] for contact in document["contacts"]] == [AWA]
    with page.expect_navigation():
        page.get_by_role("link", name="Effacer mes données").click()
    assert page.locator("h1").inner_text() == "Effacer vos données ?"
    with transaction(imported) as session:
        assert session.scalars(select(Contact).where(Contact.email == AWA)).one().active
    submit(page, "Oui, effacer mes données")
    assert page.locator("h1").inner_text() == "Vos données ont été effacées"
    with transaction(imported) as session:
        assert session.scalars(select(Contact).where(Contact.email == AWA)).all() == []
    response = page.goto(respond)
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Ce lien n'est pas valide"
    assert "Ndiaye" not in page.content()
