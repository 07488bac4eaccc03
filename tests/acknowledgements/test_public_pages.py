"""The public pages: only what both sides approved, escaped, accessible in a real browser."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from db.models import Acknowledgement, Partner, Partnership
from tasks.acknowledgements.public_pages import country_pages, index_html, page_html, write_pages

APPROVED = datetime(2026, 11, 2, 9, tzinfo=UTC)


def acknowledgement(
    reference: str,
    country: str | None = "SEN",
    text: str = "Merci à l'ASEF.",
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
        text={"fr": text},
        staff_approved_at=APPROVED if staff else None,
        partner_approved_at=APPROVED if partner else None,
        withdrawn_at=APPROVED if withdrawn else None,
    )


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


def test_hostile_text_is_escaped() -> None:
    (page,) = country_pages([acknowledgement("A", text="<script>alert(1)</script> & co")])
    html = page_html(page)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html


def test_an_entry_written_in_another_language_says_so() -> None:
    item = acknowledgement("A", country="COL")
    (page,) = country_pages([item])
    html = page_html(page)
    assert '<html lang="es">' in html and '<article lang="fr"' in html
    assert "Colombia" in html and "Del 1 de enero de 2021 al 31 de diciembre de 2024" in html


def test_pages_no_longer_listed_are_removed_and_other_files_left_alone(tmp_path: Path) -> None:
    (tmp_path / "faq.html").write_text("kept")
    (tmp_path / "sen.html").write_text("old")
    removed = write_pages(tmp_path, country_pages([acknowledgement("A", country="COL")]))
    assert removed == ["sen.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["col.html", "faq.html", "index.html"]


def test_the_page_reads_well_in_a_real_browser(browser, tmp_path: Path) -> None:
    items = [acknowledgement("SEN/1"), acknowledgement("SEN/2", text="Deux.\n\nParagraphes.")]
    write_pages(tmp_path, country_pages(items))
    page = browser.new_page()
    try:
        page.goto((tmp_path / "index.html").as_uri())
        assert page.locator("h1").count() == 1
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
    finally:
        page.close()
    assert "Sénégal" in index_html(country_pages(items))
