"""The public pages: one static, accessible HTML page per country listing the partnerships
both sides approved acknowledging, an index of countries, and a markdown version of each
page for Prefect. A page is rewritten whole at every run, so an acknowledgement whose
consent was withdrawn disappears at the next run."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date

from db.models import Acknowledgement
from tasks.artifacts import markdown_text
from tasks.countries import FALLBACK_LANGUAGE, SUPPORTED_LANGUAGES, country
from tasks.outbox.render import page_environment, page_strings, paragraphs

NO_COUNTRY = "int"
PAGE_NAME = re.compile(r"^([a-z]{3})\.html$")


@dataclass(frozen=True)
class CountryPage:
    code: str
    language: str
    name: str
    entries: list[dict[str, Any]]

    @property
    def file(self) -> str:
        return f"{self.code.lower()}.html"


def strings(language: str) -> dict[str, str]:
    return page_strings("public", language)


def page_language(code: str) -> str:
    found = country(code) if code != NO_COUNTRY else None
    return found.language if found else FALLBACK_LANGUAGE


def country_name(code: str, language: str) -> str:
    found = country(code) if code != NO_COUNTRY else None
    if found is None:
        return {"fr": "International", "es": "Internacional"}.get(language, "International")
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
    written in it (the entry carries the language it is written in)."""
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
        "paragraphs": paragraphs(acknowledgement.text[written]),
        "approved": long_date(approved.date(), language),
    }


def country_pages(published: list[Acknowledgement]) -> list[CountryPage]:
    """Return one page per country holding a publishable acknowledgement, by code."""
    by_country: dict[str, list[Acknowledgement]] = {}
    for acknowledgement in published:
        code = (acknowledgement.partnership.country or NO_COUNTRY).lower()
        by_country.setdefault(code, []).append(acknowledgement)
    pages = []
    for code, items in sorted(by_country.items()):
        language = page_language(code)
        entries = [entry(item, language) for item in items]
        pages.append(CountryPage(code, language, country_name(code, language), entries))
    return pages


def page_html(page: CountryPage) -> str:
    template = page_environment().get_template("public/country.html")
    return template.render(
        language=page.language,
        t=strings(page.language),
        country_name=page.name,
        entries=page.entries,
    )


def index_html(pages: list[CountryPage]) -> str:
    listed = [
        {
            "file": page.file,
            "language": page.language,
            "name": page.name,
            "count": len(page.entries),
        }
        for page in pages
    ]
    template = page_environment().get_template("public/index.html")
    return template.render(language="en", t=strings("en"), pages=listed)


def page_markdown(page: CountryPage) -> str:
    """Return the page as Markdown for the flow's artifact: every text escaped, one
    paragraph a line."""
    texts, md = strings(page.language), markdown_text
    lines = [f"# {md(texts['title'].format(country=page.name))}", ""]
    for item in page.entries:
        lines += [f"## {md(item['partner'])}: {md(item['title'])}", ""]
        lines += [md(paragraph) + "\n" for paragraph in item["paragraphs"]]
        lines += [f"*{md(texts['approved'].format(date=item['approved']))}*", ""]
    return "\n".join(lines)


def write_pages(folder: Path, pages: list[CountryPage]) -> list[str]:
    """Write every page and the index (each file replaced whole), delete the country
    pages no longer listed; return the deleted file names."""
    folder.mkdir(parents=True, exist_ok=True)
    for page in pages:
        replace_file(folder / page.file, page_html(page))
    replace_file(folder / "index.html", index_html(pages))
    keep = {page.file for page in pages}
    stale = sorted(
        path.name
        for path in folder.iterdir()
        if is_country_page(path.name) and path.name not in keep
    )
    for name in stale:
        (folder / name).unlink()
    return stale


def is_country_page(name: str) -> bool:
    """True for the file names this module writes for a country (other files in the
    folder are left alone)."""
    match = PAGE_NAME.match(name)
    if match is None:
        return False
    return match.group(1) == NO_COUNTRY or country(match.group(1)) is not None


def replace_file(path: Path, text: str) -> None:
    """Write `text` to `path` so that a reader sees the old file or the new, never half."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def mark_published(acknowledgements: list[Acknowledgement], now: datetime) -> dict[str, list[str]]:
    """Set or clear `published_at` to match what the pages now show; return the
    references newly published and unpublished."""
    changes: dict[str, list[str]] = {"published": [], "unpublished": []}
    for acknowledgement in acknowledgements:
        reference = acknowledgement.partnership.reference_number
        if acknowledgement.is_publishable and acknowledgement.published_at is None:
            acknowledgement.published_at = now
            changes["published"].append(reference)
        elif not acknowledgement.is_publishable and acknowledgement.published_at is not None:
            acknowledgement.published_at = None
            changes["unpublished"].append(reference)
    return changes
