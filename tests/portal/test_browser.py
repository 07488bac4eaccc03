"""The portal in a real browser (Debian's Chromium via Playwright) against a live uvicorn."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from continuity.portal.app import create_app
from db.engine import transaction
from db.models import Contact, Response, TouchpointKind
from tasks.clock import Clock
from tasks.countries import SUPPORTED_LANGUAGES
from tasks.settings import get_settings
from tasks.staff.records import EventInput, read_input, record_event
from tasks.translations import direction, gettext
from tests.pipeline import deliver_all, links_by_recipient, plan

SENT = datetime(2026, 12, 1, 12, tzinfo=UTC)
AWA = "a.ndiaye@asef-senegal.example.org"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def portal(imported: Engine, app_env, outbox, live_server):
    data = read_input(
        EventInput,
        None,
        {
            "title": {"es": "Foro regional", "fr": "Forum"},
            "starts_at": "2027-02-10T14:00:00Z",
            "place": "Bogotá",
            "countries": ["COL"],
        },
    )
    with transaction(imported) as session:
        record_event(session, data)
    kinds = [TouchpointKind.SUSTAINABILITY_CHECKIN, TouchpointKind.CONSULTATION_INVITATION]
    for kind in kinds:
        plan(imported, kind, SENT)
    deliver_all(imported, kinds, SENT)
    app = create_app(get_settings(), imported)
    app.state.portal.clock = Clock.at(SENT + timedelta(days=1))
    base = live_server(app)
    mails = outbox()
    invitations = [
        mail for mail in mails if mail["Subject"].startswith(("Invitation", "Invitación"))
    ]
    checkins = [mail for mail in mails if mail not in invitations]
    return LivePortal(base, localized_links(checkins, base), localized_links(invitations, base))


@dataclass
class LivePortal:
    base: str
    checkins: dict[str, dict[str, str]]
    invitations: dict[str, dict[str, str]]


def localized_links(mails: list, base: str) -> dict[str, dict[str, str]]:
    """Return each recipient's links, pointing at the live server."""
    return {
        address: {
            key: link.replace("https://portal.example.org", base) for key, link in links.items()
        }
        for address, links in links_by_recipient(mails).items()
    }


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=PHONE, locale="fr-FR", java_script_enabled=False)
    yield context.new_page()
    context.close()


def submit(page, button: str) -> None:
    """Press the form's button and wait for the page the post returns (reading the page
    or the database before then races the navigation)."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def answers(engine: Engine) -> list[Response]:
    with transaction(engine) as session:
        return list(session.scalars(select(Response).order_by(Response.id)))


def test_a_partner_answers_a_check_in_on_a_phone(portal, page, imported: Engine) -> None:
    links = portal.checkins
    page.goto(links[AWA]["respond"])
    assert page.locator("h1").inner_text() == "Que sont devenus les résultats ?"
    page.get_by_label("En partie", exact=True).check()
    page.get_by_label("2 — à peine").check()
    page.locator("[name=supporter-0-name]").fill("Mairie de Kolda")
    page.locator("[name=supporter-0-kind]").select_option("body")
    page.locator("[name=supporter-0-role]").fill("finance les cantines")
    page.locator("[name=support_needed]").fill("Former les nouveaux enseignants")
    submit(page, "Envoyer mes réponses")
    assert page.locator("h1").inner_text() == "Merci"
    assert "Mairie de Kolda (Organisme) — finance les cantines" in page.content()
    (answer,) = answers(imported)
    assert (
        answer.answers["sustained"] == "partly"
        and answer.answers["supporters"][0]["kind"] == "body"
    )


def test_more_supporters_are_a_click_away(portal, page, imported: Engine) -> None:
    page.goto(portal.checkins[AWA]["respond"])
    assert not page.locator("[name=supporter-5-name]").is_visible()
    page.get_by_text("Citer d'autres soutiens").click()
    page.locator("[name=supporter-5-name]").fill("Conseil départemental")
    page.get_by_label("Oui", exact=True).check()
    page.get_by_label("4 — en grande partie").check()
    submit(page, "Envoyer mes réponses")
    (answer,) = answers(imported)
    assert [supporter["name"] for supporter in answer.answers["supporters"]] == [
        "Conseil départemental"
    ]
    page.goto(portal.checkins[AWA]["respond"])
    assert page.locator("[name=supporter-0-name]").input_value() == "Conseil départemental"


def test_the_pages_fit_a_phone_screen(portal, browser) -> None:
    links = portal.checkins
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(links[AWA]["respond"])
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


def test_a_revisited_form_shows_the_earlier_answers_and_takes_a_revision(
    portal, page, imported: Engine
) -> None:
    links = portal.checkins
    page.goto(links[AWA]["respond"])
    page.get_by_label("Oui", exact=True).check()
    page.get_by_label("5 — tout à fait").check()
    submit(page, "Envoyer mes réponses")
    page.goto(links[AWA]["respond"])
    assert "Voici les réponses que vous avez envoyées" in page.content()
    assert page.get_by_label("5 — tout à fait").is_checked()
    page.get_by_label("3 — en partie").check()
    submit(page, "Envoyer mes nouvelles réponses")
    first, second = answers(imported)
    assert (first.answers["capacity"], second.answers["capacity"], second.revision) == (5, 3, 2)


def test_an_rsvp_in_spanish(portal, page, imported: Engine) -> None:
    page.goto(portal.invitations["mj.pena@funiter.example.co"]["respond"])
    assert "¿Participará en la consulta?" in page.content()
    assert "Foro regional" in page.content()
    page.get_by_label("Quizás").check()
    page.locator("[name=comment]").fill("Depende de la fecha del comité")
    submit(page, "Enviar mis respuestas")
    assert "Quizás" in page.content()
    (answer,) = answers(imported)
    assert answer.answers == {"attending": "maybe", "comment": "Depende de la fecha del comité"}


def test_opting_out_takes_a_confirmation(portal, page, imported: Engine) -> None:
    links = portal.checkins
    page.goto(links[AWA]["opt_out"])
    with transaction(imported) as session:
        assert (
            session.scalars(select(Contact).where(Contact.email == AWA)).one().opted_out_at is None
        )
    submit(page, "Oui, arrêter ces messages")
    assert page.locator("h1").inner_text() == "Vous ne recevrez plus ces messages"
    with transaction(imported) as session:
        assert (
            session.scalars(select(Contact).where(Contact.email == AWA)).one().opted_out_at
            is not None
        )


def test_a_broken_link_shows_the_plain_invalid_page(portal, page) -> None:
    base = portal.base
    response = page.goto(f"{base}/r/not-a-real-token-at-all-0000000000000000")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Ce lien n'est pas valide"


def speak(engine: Engine, address: str, language: str) -> None:
    with transaction(engine) as session:
        session.scalars(select(Contact).where(Contact.email == address)).one().language = language


# Where the text of an element starts and ends on the screen, and the box it sits in.
TEXT_EDGES = """(element) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    const text = range.getBoundingClientRect(), box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    return {left: text.left, right: text.right,
            start: box.right - parseFloat(style.paddingRight),
            end: box.left + parseFloat(style.paddingLeft)};
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_an_arabic_page_reads_right_to_left_and_fits(
    portal, browser, imported: Engine, tmp_path, width: int
) -> None:
    speak(imported, AWA, "ar")
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(portal.checkins[AWA]["respond"])
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        "ar",
        "rtl",
    ]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for selector in ("header .site", "h1", "main > p"):
        edges = page.locator(selector).first.evaluate(TEXT_EDGES)
        assert abs(edges["right"] - edges["start"]) <= 2, (selector, edges)
    for selector in ("header .site", "h1"):  # one line each: the space left is on the left
        edges = page.locator(selector).first.evaluate(TEXT_EDGES)
        assert edges["left"] - edges["end"] > (100 if width > 390 else 0), (selector, edges)
    partly = gettext("ar", "Partly")
    radio = page.get_by_label(partly, exact=True).bounding_box()
    label = page.locator("label", has_text=partly).first.evaluate(TEXT_EDGES)
    assert radio is not None and radio["x"] > label["left"], "the button comes first, on the right"
    languages = page.locator(".languages button").all()
    assert [button.get_attribute("lang") for button in languages] == ["fr", "en", "es", "pt", "ru"]
    firsts = [button.bounding_box()["x"] for button in languages[:2]]  # type: ignore[index]
    assert firsts[0] > firsts[1], "the languages are listed from the right"
    page.screenshot(path=tmp_path / f"checkin-ar-{width}.png", full_page=True)
    context.close()


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_language_reads_in_its_direction_and_fits_a_phone(
    portal, browser, imported: Engine, language: str
) -> None:
    speak(imported, AWA, language)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    pages = {
        "respond": "How are the results holding up?",
        "opt_out": "Stop receiving these messages?",
    }
    for link, heading in pages.items():
        page.goto(portal.checkins[AWA][link])
        root = page.evaluate("[document.documentElement.lang, document.documentElement.dir]")
        assert root == [language, direction(language)]
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert page.locator("h1").first.inner_text() == gettext(language, heading)
    context.close()
