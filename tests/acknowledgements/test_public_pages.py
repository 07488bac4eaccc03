"""The public pages: only what both sides approved, escaped, written in every language
(its direction, its plural forms, English where a catalog lacks a message, the text in
another language marked as such), accessible in a real browser."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st
from playwright.sync_api import Page

import tasks.translations
from db.models import Acknowledgement, Partner, Partnership
from tasks.acknowledgements.public_pages import CountryPage, country_pages, index_html, page_html
from tasks.acknowledgements.publication import write_pages
from tasks.countries import SUPPORTED_LANGUAGES
from tasks.translations import ngettext

APPROVED = datetime(2026, 11, 2, 9, tzinfo=UTC)
# A country whose page proper is in each language.
HOMES = {"SEN": "fr", "KEN": "en", "COL": "es", "EGY": "ar", "BRA": "pt", "KAZ": "ru"}


def acknowledgement(
    reference: str,
    country: str | None = "SEN",
    text: str | dict[str, str] = "Merci à l'ASEF.",
    staff: bool = True,
    partner: bool = True,
    withdrawn: bool = False,
) -> Acknowledgement:
    organisation = Partner(name=f"Partner {reference}", time_zone="Africa/Dakar")
    partnership = Partnership(
        reference_number=reference,
        title=f"Programme {reference}",
        country=country,
        start_date=date(2021, 1, 1),
        end_date=date(2024, 12, 31),
        partner=organisation,
    )
    return Acknowledgement(
        partnership=partnership,
        text=text if isinstance(text, dict) else {"fr": text},
        staff_approved_at=APPROVED if staff else None,
        partner_approved_at=APPROVED if partner else None,
        withdrawn_at=APPROVED if withdrawn else None,
    )


def version(pages: list[CountryPage], language: str) -> CountryPage:
    (page,) = [page for page in pages if page.language == language]
    return page


def opening(html: str) -> str:
    found = re.search(r"<html[^>]*>", html)
    assert found is not None
    return found.group(0)


states = st.lists(
    st.tuples(st.booleans(), st.booleans(), st.booleans(), st.sampled_from(["SEN", "COL", None])),
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(states)
def test_only_what_both_sides_approved_and_nobody_withdrew_is_on_a_page(states) -> None:
    items = [
        acknowledgement(f"REF{index}", country, f"texte {index}", staff, partner, withdrawn)
        for index, (staff, partner, withdrawn, country) in enumerate(states)
    ]
    pages = country_pages([item for item in items if item.is_publishable])
    shown = " ".join(page_html(page) for page in pages)
    for index, item in enumerate(items):
        assert (f"texte {index}<" in shown) == (
            item.staff_approved_at is not None
            and item.partner_approved_at is not None
            and item.withdrawn_at is None
        )


def test_hostile_text_names_and_titles_are_escaped() -> None:
    item = acknowledgement("A", text="<script>alert(1)</script> & co")
    item.partnership.partner.name = "<b>ASEF</b>"
    item.partnership.title = 'x" onmouseover="alert(1)'
    html = page_html(version(country_pages([item]), "fr"))
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "<b>" not in html and "<bdi>&lt;b&gt;ASEF&lt;/b&gt;</bdi>" in html
    assert "<bdi>x&#34; onmouseover=&#34;alert(1)</bdi>" in html


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_page_is_written_in_every_language_with_its_direction(language: str) -> None:
    pages = country_pages([acknowledgement("A", country) for country in HOMES])
    mine = [page for page in pages if page.language == language]
    assert sorted(page.code for page in mine) == sorted(code.lower() for code in HOMES)
    side = "rtl" if language == "ar" else "ltr"
    for html in [*(page_html(page) for page in mine), index_html(pages, language)]:
        assert opening(html) == f'<html lang="{language}" dir="{side}">'


@pytest.mark.parametrize(("code", "language"), HOMES.items())
def test_a_countrys_page_proper_is_in_its_language_and_links_every_version(
    code: str, language: str
) -> None:
    pages = country_pages([acknowledgement("A", code)])
    files = {page.language: page.file for page in pages}
    assert files[language] == f"{code.lower()}.html"
    assert {files[other] for other in files if other != language} == {
        f"{code.lower()}.{other}.html" for other in SUPPORTED_LANGUAGES if other != language
    }
    html = page_html(version(pages, "en"))
    for other, file in files.items():
        assert f'<a href="{file}" lang="{other}" hreflang="{other}"' in html
    assert '<a href="index.html">All countries</a>' in html


def test_the_index_names_the_countries_in_its_language_and_links_that_version() -> None:
    pages = country_pages([acknowledgement(code, code) for code in ("SEN", "KEN", "EGY")])
    french, arabic = index_html(pages, "fr"), index_html(pages, "ar")
    assert '<a href="egy.fr.html">Égypte</a>' in french
    assert '<a href="sen.html">Sénégal</a>' in french
    assert french.index("Égypte") < french.index("Kenya") < french.index("Sénégal"), (
        "by name, accents aside"
    )
    assert '<a href="egy.html">مصر</a>' in arabic and '<a href="sen.ar.html">السنغال</a>' in arabic


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        ("en", "(1 partnership)", "(2 partnerships)"),
        ("fr", "(1 partenariat)", "(2 partenariats)"),
        ("es", "(1 alianza)", "(2 alianzas)"),
    ],
)
def test_the_index_counts_in_words_that_agree_with_the_number(
    language: str, one: str, two: str
) -> None:
    pages = [
        CountryPage("sen", "fr", language, "Sénégal", [{}]),
        CountryPage("col", "es", language, "Colombia", [{}, {}]),
    ]
    html = index_html(pages, language)
    assert f"{one}</li>" in html and f"{two}</li>" in html


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("count", [1, 2, 3, 11, 21, 102, 1000])
def test_the_index_takes_the_plural_form_of_the_number_in_every_language(
    language: str, count: int
) -> None:
    """Arabic has six forms, Russian three: each count gets its own from the catalog,
    the number written as the language writes it."""
    pages = [CountryPage("sen", "fr", language, "Sénégal", [{}] * count)]
    number = format_decimal(count, locale=language)
    words = ngettext(language, "%(number)s partnership", "%(number)s partnerships", count)
    assert f"({words % {'number': number}})</li>" in index_html(pages, language)


def test_an_acknowledgement_is_shown_in_the_pages_language_else_english_else_any() -> None:
    texts = {"ar": "شكرا لكم", "en": "Thank you.", "fr": "Merci."}
    pages = country_pages(
        [acknowledgement("A", "COL", texts), acknowledgement("B", "COL", {"ar": "شكرا"})]
    )
    spanish = page_html(version(pages, "es"))
    assert '<div lang="en" dir="ltr">\n<p>Thank you.</p>' in spanish
    assert '<div lang="ar" dir="rtl">\n<p>شكرا</p>' in spanish
    assert "Del 1 de enero de 2021 al 31 de diciembre de 2024" in spanish
    arabic = page_html(version(pages, "ar"))
    assert "<div>\n<p>شكرا لكم</p>" in arabic and "<div>\n<p>شكرا</p>" in arabic
    french = page_html(version(pages, "fr"))
    assert "<div>\n<p>Merci.</p>" in french and '<div lang="ar" dir="rtl">' in french


def test_a_message_missing_from_a_catalog_is_written_in_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = Catalog(locale="fr")
    catalog.add("Partnerships UNICEF acknowledges", "Les partenariats que l'UNICEF salue")
    path = tmp_path / "messages.po"
    with path.open("wb") as file:
        write_po(file, catalog)
    monkeypatch.setattr(tasks.translations, "catalog_path", lambda language: path)
    tasks.translations.translations.cache_clear()
    try:
        html = index_html(country_pages([acknowledgement("A")]), "fr")
    finally:
        tasks.translations.translations.cache_clear()
    assert "<h1>Les partenariats que l'UNICEF salue</h1>" in html
    assert "Choose a country." in html and '<html lang="fr" dir="ltr">' in html


def test_pages_no_longer_listed_are_removed_and_other_files_left_alone(tmp_path: Path) -> None:
    kept = ["faq.html", "notes.fr.html", "index.css"]
    for name in [*kept, "sen.html", "sen.en.html", "index.de.html"]:
        (tmp_path / name).write_text("old")
    removed = write_pages(tmp_path, country_pages([acknowledgement("A", country="COL")]))
    assert removed == ["index.de.html", "sen.en.html", "sen.html"]
    written = {"col.html", "index.html"} | {
        f"{name}.{language}.html"
        for name, home in (("col", "es"), ("index", "en"))
        for language in SUPPORTED_LANGUAGES
        if language != home
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({*kept, *written})


def test_the_pages_read_well_in_a_real_browser(browser, tmp_path: Path) -> None:
    items = [acknowledgement("SEN/1"), acknowledgement("SEN/2", text="Deux.\n\nParagraphes.")]
    write_pages(tmp_path, country_pages(items))
    page = browser.new_page(viewport={"width": 390, "height": 800})
    try:
        page.goto((tmp_path / "index.html").as_uri())
        assert page.locator("h1").count() == 1
        with page.expect_navigation():
            page.get_by_role("navigation").get_by_role("link", name="Français").click()
        with page.expect_navigation():
            page.get_by_role("link", name="Sénégal").click()
        assert page.evaluate("document.documentElement.lang") == "fr"
        assert page.locator("h1").inner_text().startswith("Les partenariats que l'UNICEF salue")
        assert page.get_by_role("heading", level=2).count() == 2
        second = page.locator("main article").nth(1)
        assert second.locator("p").nth(2).inner_text() == "Paragraphes."
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        assert page.locator("main").get_attribute("id") == "main"
        with page.expect_navigation():
            page.get_by_role("navigation").get_by_role("link", name="العربية").click()
        assert page.evaluate("document.documentElement.dir") == "rtl"
        assert_mirrored_without_overflow(page)
        page.set_viewport_size({"width": 1280, "height": 800})
        assert_mirrored_without_overflow(page)
    finally:
        page.close()


def assert_mirrored_without_overflow(page: Page) -> None:
    """Right to left: nothing wider than the window, the heading and the page's own short
    lines set from the right, the French text inside still from the left."""
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") == width
    gaps = """element => {
        const range = document.createRange();
        range.selectNodeContents(element);
        const text = range.getBoundingClientRect(), box = element.getBoundingClientRect();
        return {left: text.left - box.left, right: box.right - text.right};
    }"""
    assert page.locator("h1").evaluate(gaps)["right"] <= 1
    approved = page.locator("main article p.meta").last.evaluate(gaps)
    assert approved["right"] <= 1 < approved["left"]
    french = page.locator("main article div p").first.evaluate(gaps)
    assert french["left"] <= 1 < french["right"]
