"""Which language a portal page speaks, and how it offers the others.

A page a contact's link opens speaks the contact's language and offers the others as a
form: the choice is a POST carrying the page's CSRF token (a GET changes nothing) that
sets the person's language, written in their history as a staff change is, and their
unsent messages' with it, then shows the page again. A page with no living contact
behind it (a link that is not valid, a contact who opted out: nothing of theirs changes
any more) speaks the browser's language and offers links adding `?lang=` to its address,
which only change what is shown."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from babel import Locale
from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from db.engine import for_writing, transaction
from db.models import Contact
from db.outbox import set_unsent_language
from tasks.countries import FALLBACK_LANGUAGE, SUPPORTED_LANGUAGES, supported_language
from tasks.people.changes import ChangeError, set_details
from tasks.people.person import person_of
from tasks.responses.answers import reached
from tasks.translations import direction

if TYPE_CHECKING:
    from continuity.portal.app import Portal

ASKED = "lang"
# An Accept-Language header is read this far, range by range up to this many.
MAX_ACCEPT_LANGUAGE = 512
MAX_RANGES = 32
REASON = "chosen by the person on the portal"
# The pages a language form may come back to, by the name it posts.
BACK = {
    "form": "/r/{token}",
    "opt-out": "/opt-out/{token}",
    "data": "/data/{token}",
    "forget": "/data/{token}/forget",
    "handled": "/handled/{token}",
}


@dataclass(frozen=True)
class View:
    """How a page is shown: in `language`, offering the others as a form posting to
    `action` (with the page's `csrf`, to come `back` to the page), or else as links adding
    `?lang=` to `link` (the page's own address when empty)."""

    language: str
    action: str = ""
    csrf: str = ""
    back: str = ""
    link: str = ""


@cache
def own_names() -> tuple[dict[str, str], ...]:
    """Return every language the portal speaks: its code, its name as it writes it
    ("Français", "العربية") and its direction."""
    return tuple(
        {"code": code, "name": _own_name(code), "dir": direction(code)}
        for code in SUPPORTED_LANGUAGES
    )


def _own_name(code: str) -> str:
    name = Locale.parse(code).get_language_name(code) or code
    return name[:1].upper() + name[1:]


def known_language(value: str | None) -> str | None:
    """Return `value` when it is the code of a language the portal speaks, else None."""
    return value if value in SUPPORTED_LANGUAGES else None


def browser_language(request: Request) -> str:
    """Return the language the browser prefers among those the portal speaks (its
    Accept-Language header, by weight, then order), else English."""
    best: str = FALLBACK_LANGUAGE
    weight = 0.0
    header = request.headers.get("accept-language", "")[:MAX_ACCEPT_LANGUAGE]
    for part in header.split(",")[:MAX_RANGES]:
        tag, _, parameters = part.partition(";")
        code = known_language(tag.strip().lower().split("-")[0])
        quality = _quality(parameters)
        if code and quality > weight:
            best, weight = code, quality
    return best


def _quality(parameters: str) -> float:
    """Return the weight `q=…` gives a language range (1 when absent, 0 when malformed)."""
    name, _, value = parameters.strip().partition("=")
    if not name:
        return 1.0
    if name.strip().lower() != "q" or len(value) > 5:
        return 0.0
    try:
        quality = float(value)
    except ValueError:
        return 0.0
    return quality if 0 <= quality <= 1 else 0.0


def anyone(request: Request, link: str = "") -> View:
    """Return how a page with no living contact behind it is shown: in the language its
    `?lang=` asks for, else the browser's, with links to the others."""
    asked = known_language(request.query_params.get(ASKED))
    return View(asked or browser_language(request), link=link)


def contact_view(portal: Portal, request: Request, contact: Contact, token: str, back: str) -> View:
    """Return how the page `back` that `contact`'s link `token` opens is shown: in their
    language with a form to choose another; once they opted out, in the language `?lang=`
    asks for (else theirs) with links that change nothing of theirs."""
    language = supported_language(contact.language)
    if contact.opted_out_at is not None:
        asked = known_language(request.query_params.get(ASKED))
        return View(asked or language)
    return View(language, f"/language/{token}", portal.csrf(token), back)


def switch_language(
    portal: Portal, request: Request, token: str, fields: dict[str, str]
) -> Response:
    """Set the language of the person whose link `token` is, as they chose it (in the
    thread pool), then send them back to the page they chose on. A contact who opted out
    gets the page in that language, nothing of theirs changed."""
    lifetime = max(portal.lifetime, portal.opt_out_lifetime)
    with transaction(for_writing(portal.engine)) as session:
        message = reached(session, token, portal.clock.now(), lifetime)
        if message is None:
            return portal.failed(request)
        if not portal.csrf_ok(token, fields.get("csrf", "")):
            return portal.invalid(request, 403)
        language = known_language(fields.get("language"))
        back = BACK.get(fields.get("back", ""))
        if language is None or back is None:
            return portal.invalid(request, 400)
        page = back.format(token=token)
        contact = message.contact
        if contact.opted_out_at is not None:
            return RedirectResponse(f"{page}?{ASKED}={language}", status_code=303)
        actor = "focal point (portal)" if contact.is_staff else "partner (portal)"
        person, now = person_of(session, contact), portal.clock.now()
        # Already their language (ChangeError): nothing to write in their history.
        with suppress(ChangeError):
            set_details(session, person, {"language": language}, REASON, actor, now)
        set_unsent_language(session, person.ids, language)
    return RedirectResponse(page, status_code=303)
