"""The public pages: one static, accessible HTML page per country listing the partnerships
both sides approved acknowledging, and an index of countries, each in every language the
product writes (`sen.html` in the country's language, `sen.en.html`, `sen.ar.html`…;
`index.html` in English, `index.fr.html`…), every version linking to the others; and a
markdown version of each country's page for Prefect. The words are the catalogs'
(`tasks.translations`); an acknowledgement is shown in the page's language where it was
written in it, else in another, marked with its own language."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

from db.models import Acknowledgement
from tasks.artifacts import markdown_text
from tasks.countries import FALLBACK_LANGUAGE, SUPPORTED_LANGUAGES, country
from tasks.outbox.render import page_environment, paragraphs
from tasks.translations import N_, direction, gettext

NO_COUNTRY = "int"
INDEX = "index"
INDEX_LANGUAGE = FALLBACK_LANGUAGE
TITLE = N_("Partnerships UNICEF acknowledges: %(country)s")
HEADING = N_("%(partner)s: %(title)s")
APPROVED = N_("Approved on %(day)s")


@dataclass(frozen=True)
class CountryPage:
    """One country's page in one language; `home` is the country's language, whose version
    is the country's page proper (`sen.html`)."""

    code: str
    home: str
    language: str
    name: str
    entries: list[dict[str, Any]]

    @property
    def file(self) -> str:
        return page_file(self.code, self.language, self.home)

    @property
    def is_home(self) -> bool:
        return self.language == self.home


def page_file(name: str, language: str, home: str) -> str:
    """Return the file of page `name` ("sen", "index") in `language`: `<name>.html` in its
    `home` language, `<name>.<language>.html` in the others."""
    return f"{name}.html" if language == home else f"{name}.{language}.html"


def index_file(language: str) -> str:
    return page_file(INDEX, language, INDEX_LANGUAGE)


def home_language(code: str) -> str:
    found = country(code) if code != NO_COUNTRY else None
    return found.language if found else FALLBACK_LANGUAGE


def country_name(code: str, language: str) -> str:
    found = country(code) if code != NO_COUNTRY else None
    if found is None:
        return gettext(language, N_("International"))
    return Locale(language).territories.get(found.alpha2, found.name)


def long_date(value: date | None, language: str) -> str:
    return format_date(value, format="long", locale=language) if value else ""


def written_language(acknowledgement: Acknowledgement, language: str) -> str:
    """Return `language` if the text exists in it, else the first language it exists in."""
    for code in (language, FALLBACK_LANGUAGE, *SUPPORTED_LANGUAGES):
        if acknowledgement.text.get(code):
            return code
    raise ValueError(f"acknowledgement {acknowledgement.id} has no text")


def entry(acknowledgement: Acknowledgement, language: str) -> dict[str, Any]:
    """Return what the page shows of one publishable acknowledgement, in `language` if
    written in it (the entry carries the language it is written in, and its direction)."""
    partnership = acknowledgement.partnership
    written = written_language(acknowledgement, language)
    assert acknowledgement.staff_approved_at and acknowledgement.partner_approved_at
    approved = max(acknowledgement.staff_approved_at, acknowledgement.partner_approved_at)
    return {
        "reference": partnership.reference_number,
        "partner": partnership.partner.name,
        "title": partnership.title,
        "start": long_date(partnership.start_date, language),
        "end": long_date(partnership.end_date, language),
        "language": written,
        "direction": direction(written),
        "paragraphs": paragraphs(acknowledgement.text[written]),
        "approved": long_date(approved.date(), language),
    }


def country_pages(published: list[Acknowledgement]) -> list[CountryPage]:
    """Return, for each country holding a publishable acknowledgement (by code), its page
    in every language, the country's own first."""
    by_country: dict[str, list[Acknowledgement]] = {}
    for acknowledgement in published:
        code = (acknowledgement.partnership.country or NO_COUNTRY).lower()
        by_country.setdefault(code, []).append(acknowledgement)
    pages = []
    for code, items in sorted(by_country.items()):
        home = home_language(code)
        for language in sorted(SUPPORTED_LANGUAGES, key=lambda each: each != home):
            entries = [entry(item, language) for item in items]
            pages.append(CountryPage(code, home, language, country_name(code, language), entries))
    return pages


def versions(name: str, home: str) -> list[dict[str, str]]:
    """Return the versions of page `name` for its language menu: each language, the
    file, and the language's name as it writes it ("Français", "العربية")."""
    return [
        {"language": language, "file": page_file(name, language, home), "name": autonym(language)}
        for language in SUPPORTED_LANGUAGES
    ]


def autonym(language: str) -> str:
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]


def page_html(page: CountryPage) -> str:
    template = page_environment().get_template("public/country.html")
    return template.render(
        language=page.language,
        direction=direction(page.language),
        versions=versions(page.code, page.home),
        index_file=index_file(page.language),
        country_name=page.name,
        entries=page.entries,
    )


def index_html(pages: list[CountryPage], language: str) -> str:
    """Return the index in `language`: every country of `pages`, by name in `language`,
    each linking to its page in that language with how many partnerships it lists."""
    listed = [
        {
            "file": page.file,
            "name": page.name,
            "count": len(page.entries),
            "number": format_decimal(len(page.entries), locale=language),
        }
        for page in pages
        if page.language == language
    ]
    template = page_environment().get_template("public/index.html")
    return template.render(
        language=language,
        direction=direction(language),
        versions=versions(INDEX, INDEX_LANGUAGE),
        countries=sorted(listed, key=lambda item: sort_key(item["name"])),
    )


def sort_key(name: str) -> str:
    """Return `name` as a list sorts it: case and accents aside ("Égypte" next to "Équateur",
    not after "Zambie")."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def page_markdown(page: CountryPage) -> str:
    """Return the page as Markdown for the flow's artifact: every text escaped, one
    paragraph a line."""
    language, md = page.language, markdown_text

    def said(message: str, **values: str) -> str:
        return md(gettext(language, message) % values)

    lines = [f"# {said(TITLE, country=page.name)}", ""]
    for item in page.entries:
        lines += [f"## {said(HEADING, partner=item['partner'], title=item['title'])}", ""]
        lines += [md(paragraph) + "\n" for paragraph in item["paragraphs"]]
        lines += [f"*{said(APPROVED, day=item['approved'])}*", ""]
    return "\n".join(lines)
