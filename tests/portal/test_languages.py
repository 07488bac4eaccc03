"""The language a person reads: every portal page offers the others; on a page their link
opens, the choice is a POST (with the page's CSRF token) that sets their language, in
their history, for their next mails and those already planned; a page with no living
contact behind it takes the browser's language and `?lang=`, which change nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

import tests.portal.test_app as portal_tests
from db.engine import transaction
from db.models import Contact, ContactEvent, Message, MessageStatus, TouchpointKind
from tests.focal_points import SOW
from tests.pipeline import deliver_all, plan
from tests.portal.test_app import AWA, SENT, csrf_of, path
from tests.portal.test_handling import digest  # noqa: F401 (a fixture)

# The portal tests' fixtures, shared.
client, links = portal_tests.client, portal_tests.links

REMINDER = TouchpointKind.REMINDER
OWN_NAMES = {
    "fr": "Français",
    "en": "English",
    "es": "Español",
    "ar": "العربية",
    "pt": "Português",
    "ru": "Русский",
}


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def choose(client, link: str, language: str, /, **fields: str):
    """Post the choice of `language` from the form page `link`, as its button does."""
    page = client.get(path(link))
    posted = {"csrf": csrf_of(page.text), "language": language, "back": "form"} | fields
    return client.post(f"/language/{token_of(link)}", data=posted)


def contact(engine: Engine, address: str = AWA) -> Contact:
    with transaction(engine) as session:
        found = session.scalars(select(Contact).where(Contact.email == address)).one()
        session.expunge(found)
        return found


def history(engine: Engine, address: str = AWA) -> list[ContactEvent]:
    with transaction(engine) as session:
        ident = session.scalars(select(Contact.id).where(Contact.email == address)).one()
        query = select(ContactEvent).where(ContactEvent.contact_id == ident)
        found = list(session.scalars(query.order_by(ContactEvent.id)))
        session.expunge_all()
        return found


def offered(html: str) -> dict[str, str]:
    """Return the languages the page's switcher offers: code → how it is written."""
    pattern = r'(?:value|href)="[^"]*?(?:\?lang=)?(\w\w)" lang="(\w\w)"[^>]*>([^<]+)<'
    found = re.findall(pattern, html)
    assert all(code == lang for code, lang, _ in found)
    return {code: name for code, _, name in found}


def test_a_form_page_offers_every_other_language_by_its_own_name(client, links) -> None:
    page = client.get(path(links[AWA]["respond"]))
    assert page.headers["content-language"] == "fr"
    assert offered(page.text) == {k: v for k, v in OWN_NAMES.items() if k != "fr"}
    assert f'action="/language/{token_of(links[AWA]["respond"])}"' in page.text
    assert '<button type="submit" name="language" value="ar" lang="ar" dir="rtl">' in page.text


def test_the_choice_shows_the_page_again_in_it_and_is_kept(client, links, imported) -> None:
    shown = choose(client, links[AWA]["respond"], "ar")
    assert shown.status_code == 200 and shown.url.path == path(links[AWA]["respond"])
    assert '<html lang="ar" dir="rtl">' in shown.text
    assert shown.headers["content-language"] == "ar"
    assert 'value="fr" lang="fr" dir="ltr">Français<' in shown.text
    assert contact(imported).language == "ar"
    (event,) = history(imported)
    assert (event.action, event.actor) == ("changed", "partner (portal)")
    assert event.details["language"] == ["fr", "ar"] and event.details["reason"]
    again = client.get(path(links[AWA]["opt_out"]))
    assert '<html lang="ar" dir="rtl">' in again.text, "every page of theirs follows"


def test_the_choice_sticks_for_the_next_mails_planned_or_not(
    client, links, imported: Engine, outbox
) -> None:
    plan(imported, REMINDER, SENT + timedelta(days=7))
    assert choose(client, links[AWA]["respond"], "es").status_code == 200
    with transaction(imported) as session:
        ident = session.scalars(select(Contact.id).where(Contact.email == AWA)).one()
        planned = session.scalars(
            select(Message).where(Message.contact_id == ident, Message.kind == REMINDER)
        ).one()
        assert (planned.status, planned.language) == (MessageStatus.PLANNED, "es")
        sent = session.scalars(
            select(Message.language).where(Message.contact_id == ident, Message.kind != REMINDER)
        ).all()
        assert sent == ["fr"], "what already went out stays as it was"
    deliver_all(imported, [REMINDER], SENT + timedelta(days=7))
    to_awa = [mail for mail in outbox() if mail["To"].addresses[0].addr_spec == AWA]
    (reminder,) = [mail for mail in to_awa if mail["In-Reply-To"]]
    assert reminder["Content-Language"] == "es"


def test_choosing_the_language_already_set_writes_nothing(client, links, imported) -> None:
    assert choose(client, links[AWA]["respond"], "fr").status_code == 200
    assert contact(imported).language == "fr" and history(imported) == []


def test_a_get_on_the_choice_changes_nothing(client, links, imported) -> None:
    token = token_of(links[AWA]["respond"])
    page = client.get(f"/language/{token}", params={"language": "es", "back": "form"})
    assert page.status_code == 405 and "This link is not valid" in page.text
    assert contact(imported).language == "fr" and history(imported) == []


@pytest.mark.faults
@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"language": "xx"}, 400),
        ({"language": "ES"}, 400),
        ({"language": "es-ES"}, 400),
        ({"language": "es" * 3000}, 400),
        ({"language": ""}, 400),
        ({"back": "../../elsewhere"}, 400),
        ({"back": "https://evil.example.org"}, 400),
        ({"csrf": ""}, 403),
        ({"csrf": "123.forged"}, 403),
    ],
)
def test_a_hostile_choice_changes_nothing(client, links, imported, fields, status) -> None:
    refused = choose(client, links[AWA]["respond"], "es", **fields)
    assert refused.status_code == status and "This link is not valid" in refused.text
    assert contact(imported).language == "fr" and history(imported) == []


@pytest.mark.faults
def test_a_choice_needs_the_csrf_token_of_its_own_link(client, links, imported) -> None:
    other = links["ml.diallo@asef-senegal.example.org"]["respond"]
    stolen = csrf_of(client.get(path(other)).text)
    posted = {"csrf": stolen, "language": "es", "back": "form"}
    refused = client.post(f"/language/{token_of(links[AWA]['respond'])}", data=posted)
    assert refused.status_code == 403 and contact(imported).language == "fr"


@pytest.mark.faults
def test_an_oversized_choice_is_refused_before_it_is_read(client, links, imported) -> None:
    refused = client.post(
        f"/language/{token_of(links[AWA]['respond'])}",
        content=b"language=" + b"e" * 70_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert refused.status_code == 413 and contact(imported).language == "fr"


@pytest.mark.faults
@pytest.mark.parametrize("token", ["nope", "x" * 43, "a" * 5000])
def test_a_choice_through_a_broken_link_opens_nothing(client, token: str) -> None:
    refused = client.post(f"/language/{token}", data={"language": "es", "back": "form"})
    assert refused.status_code == 404 and "This link is not valid" in refused.text


def test_an_erased_person_s_link_takes_no_choice(client, links, imported) -> None:
    data = client.get(f"/data/{token_of(links[AWA]['respond'])}")
    client.post(
        f"/data/{token_of(links[AWA]['respond'])}/forget", data={"csrf": csrf_of(data.text)}
    )
    refused = choose_blind(client, links[AWA]["respond"], csrf_of(data.text))
    assert refused.status_code == 404 and "Awa" not in refused.text


def choose_blind(client, link: str, csrf: str):
    """Post a choice with a CSRF token read earlier (the page may no longer open)."""
    posted = {"csrf": csrf, "language": "es", "back": "form"}
    return client.post(f"/language/{token_of(link)}", data=posted)


def test_a_person_who_opted_out_only_changes_what_is_shown(client, links, imported) -> None:
    link = links[AWA]["opt_out"]
    csrf = csrf_of(client.get(path(link)).text)
    done = client.post(path(link), data={"csrf": csrf})
    assert "Vous ne recevrez plus ces messages" in done.text
    assert 'href="?lang=es" lang="es"' in done.text and "/language/" not in done.text
    in_spanish = client.get(path(link), params={"lang": "es"})
    assert in_spanish.headers["content-language"] == "es"
    assert "Ya no recibirá estos mensajes" in in_spanish.text
    raced = choose_blind(client, link, csrf)
    assert raced.status_code == 200 and raced.headers["content-language"] == "es"
    assert contact(imported).language == "fr" and history(imported) == []


@pytest.mark.parametrize(
    ("accepted", "language", "direction"),
    [
        ("ru;q=0.5, ar;q=0.9", "ar", "rtl"),
        ("de-CH, de;q=0.9, pt-BR;q=0.8", "pt", "ltr"),
        ("es-CO,es;q=0.9,en;q=0.8", "es", "ltr"),
        ("fr;q=0, en;q=0.1", "en", "ltr"),
        ("fr;q=abc, ru;q=1.5, es;q=0.2", "es", "ltr"),
        ("*", "en", "ltr"),
        ("x" * 5000 + ", ru", "en", "ltr"),
        (", ".join(["de"] * 100 + ["ru"]), "en", "ltr"),
    ],
)
def test_a_page_with_no_contact_takes_the_browser_s_language(
    client, accepted: str, language: str, direction: str
) -> None:
    page = client.get("/r/not-a-token", headers={"accept-language": accepted})
    assert page.status_code == 404 and page.headers["content-language"] == language
    assert f'<html lang="{language}" dir="{direction}">' in page.text
    assert f'href="?lang={language}"' not in page.text and 'href="?lang=' in page.text


@pytest.mark.parametrize(("asked", "language"), [("ru", "ru"), ("xx", "fr"), ("ru" * 900, "fr")])
def test_its_links_change_the_language_shown_and_nothing_else(client, asked, language) -> None:
    page = client.get("/r/not-a-token", params={"lang": asked}, headers={"accept-language": "fr"})
    assert page.headers["content-language"] == language
    gone = client.get("/forgotten", params={"lang": asked}, headers={"accept-language": "fr"})
    assert gone.status_code == 200 and gone.headers["content-language"] == language
    assert 'href="/forgotten?lang=' in gone.text


def test_the_link_of_a_living_contact_ignores_lang(client, links) -> None:
    page = client.get(path(links[AWA]["respond"]), params={"lang": "ru"})
    assert page.headers["content-language"] == "fr"


def test_a_focal_point_chooses_on_the_digest_page(digest, directory: Engine) -> None:  # noqa: F811
    client, link, _ = digest
    posted = {"csrf": csrf_of(client.get(link).text), "language": "es", "back": "handled"}
    shown = client.post(f"/language/{token_of(link)}", data=posted)
    assert shown.url.path == link and shown.headers["content-language"] == "es"
    assert "Mensajes de las organizaciones aliadas" in shown.text
    changed = [event for event in history(directory, SOW) if event.action == "changed"]
    assert [(event.actor, event.details["language"]) for event in changed] == [
        ("focal point (portal)", ["fr", "es"])
    ]
