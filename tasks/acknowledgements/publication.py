"""The public pages written to their folder, each file replaced whole at every run (so an
acknowledgement whose consent was withdrawn disappears at the next run), and what is
published marked on the acknowledgements."""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

from db.models import Acknowledgement
from tasks.acknowledgements.public_pages import (
    INDEX,
    NO_COUNTRY,
    CountryPage,
    index_file,
    index_html,
    page_html,
)
from tasks.countries import SUPPORTED_LANGUAGES, country

# A page this module writes: a country's (`sen.html`, `sen.en.html`) or the index in a
# language (`index.fr.html`).
PAGE_NAME = re.compile(r"^([a-z]{3}|index)(?:\.([a-z]{2,3}))?\.html$")


def write_pages(folder: Path, pages: list[CountryPage]) -> list[str]:
    """Write every page and the index in every language (each file replaced whole), delete
    the pages no longer listed; return the deleted file names."""
    folder.mkdir(parents=True, exist_ok=True)
    for page in pages:
        replace_file(folder / page.file, page_html(page))
    for language in SUPPORTED_LANGUAGES:
        replace_file(folder / index_file(language), index_html(pages, language))
    keep = {page.file for page in pages} | {index_file(each) for each in SUPPORTED_LANGUAGES}
    stale = sorted(
        name
        for name in (path.name for path in folder.iterdir())
        if is_public_page(name) and name not in keep
    )
    for name in stale:
        (folder / name).unlink()
    return stale


def is_public_page(name: str) -> bool:
    """True for the file names this module writes, in any language (other files in the
    folder are left alone)."""
    match = PAGE_NAME.match(name)
    if match is None:
        return False
    code = match.group(1)
    return code in (INDEX, NO_COUNTRY) or country(code) is not None


def page_country(name: str) -> str | None:
    """Return the country code of a country page's file name, None for any other file."""
    match = PAGE_NAME.match(name)
    return match.group(1) if match and match.group(1) != INDEX else None


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
