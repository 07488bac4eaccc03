"""The catalogs: every language complete, in step with the templates and code, and
placeholders and plural forms checked by Babel's checkers."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from tasks.countries import SUPPORTED_LANGUAGES
from tasks.translations import LOCALE_DIR, SOURCE_LANGUAGE, catalog_path, direction, gettext

TRANSLATED = [language for language in SUPPORTED_LANGUAGES if language != SOURCE_LANGUAGE]
ROOT = LOCALE_DIR.parent


def _catalog(path: Path, language: str | None = None):
    with path.open("rb") as file:
        return read_po(file, locale=language)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The message ids the templates and code hold now, as `make catalogs` extracts them."""
    output = tmp_path_factory.mktemp("pot") / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-o", str(output), str(ROOT)]
    )
    return {message.id for message in _catalog(output) if message.id}


def _ids(catalog) -> set[str]:
    return {message.id for message in catalog if message.id}


def test_the_template_catalog_holds_every_message_of_the_sources(extracted: set[str]) -> None:
    assert _ids(_catalog(LOCALE_DIR / "messages.pot")) == extracted, "run `make catalogs`"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_language_has_a_catalog_of_every_message(language: str, extracted: set[str]) -> None:
    assert _ids(_catalog(catalog_path(language), language)) == extracted, "run `make catalogs`"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language: str) -> None:
    catalog = _catalog(catalog_path(language), language)
    missing = [
        message.id
        for message in catalog
        if message.id
        and (message.fuzzy or not all(message.string if message.pluralizable else [message.string]))
    ]
    assert missing == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_babel_checkers_find_no_placeholder_or_plural_mistake(language: str) -> None:
    catalog = _catalog(catalog_path(language), language)
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check()]
    assert problems == []


def test_a_translation_is_read_from_its_catalog_at_run_time() -> None:
    assert gettext("fr", "Stop receiving these messages") == "Ne plus recevoir ces messages"
    assert gettext("en", "Stop receiving these messages") == "Stop receiving these messages"


def test_arabic_is_written_right_to_left_and_the_others_left_to_right() -> None:
    assert direction("ar") == "rtl"
    assert {direction(language) for language in SUPPORTED_LANGUAGES if language != "ar"} == {"ltr"}
