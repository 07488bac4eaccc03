"""Mail as a partner's mail client shows it: the rendered HTML part in a real browser
(Debian's Chromium via Playwright), on a phone and on a desktop, in every direction."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.outbox.render import environment, render_email
from tests.outbox.test_render import KINDS, sample_context

WIDTHS = {"phone": 390, "desktop": 1280}
# How far the first paragraph's words' right edge may sit from the card's padding edge, in pixels.
EDGE = 2


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", KINDS)
def test_arabic_mail_reads_right_to_left_without_overflow(
    browser, tmp_path: Path, kind: str, width: str
) -> None:
    html = render_email(environment(), kind, "ar", sample_context()).html
    page = browser.new_page(viewport={"width": WIDTHS[width], "height": 900})
    page.set_content(html)
    layout = page.evaluate(
        """() => {
          const card = document.querySelector('.card'), first = card.querySelector('p');
          const words = document.createRange();
          words.selectNodeContents(first);
          const box = card.getBoundingClientRect(), text = words.getBoundingClientRect();
          const padding = parseFloat(getComputedStyle(card).paddingRight);
          return {dir: document.documentElement.dir, lang: document.documentElement.lang,
                  overflow: document.documentElement.scrollWidth - window.innerWidth,
                  align: getComputedStyle(first).textAlign,
                  direction: getComputedStyle(first).direction,
                  gap: box.right - padding - text.right};
        }"""
    )
    page.screenshot(path=str(tmp_path / f"{kind}-ar-{width}.png"), full_page=True)
    page.close()
    assert (layout["dir"], layout["lang"], layout["direction"]) == ("rtl", "ar", "rtl")
    assert layout["overflow"] <= 0
    assert layout["align"] in ("right", "start")
    assert abs(layout["gap"]) <= EDGE


@pytest.mark.parametrize("width", WIDTHS)
def test_french_mail_reads_left_to_right_without_overflow(browser, width: str) -> None:
    html = render_email(environment(), "consultation_invitation", "fr", sample_context()).html
    page = browser.new_page(viewport={"width": WIDTHS[width], "height": 900})
    page.set_content(html)
    layout = page.evaluate(
        """() => ({dir: document.documentElement.dir,
                   overflow: document.documentElement.scrollWidth - window.innerWidth,
                   direction: getComputedStyle(document.querySelector('.card p')).direction})"""
    )
    page.close()
    assert (layout["dir"], layout["direction"]) == ("ltr", "ltr")
    assert layout["overflow"] <= 0
