"""Markdown as plain text: what the HTML part says, with no Markdown syntax left."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.plain_text import plain_text
from tasks.staff_markdown import markdown_tokens


def text_of(source: str) -> str:
    return plain_text(markdown_tokens(source))


def test_a_french_closing_keeps_its_line_break() -> None:
    assert text_of("Merci,\n\nCordialement,\nL'équipe") == "Merci,\n\nCordialement,\nL'équipe"


def test_emphasis_and_code_lose_their_markers() -> None:
    source = "Les **nouvelles** du *partenariat*, __vite__, _bien_ et `du code` ***tous***"
    assert text_of(source) == "Les nouvelles du partenariat, vite, bien et du code tous"


def test_escapes_and_entities_are_decoded() -> None:
    source = r"\*pas d'emphase\*, \[ni lien\], 5 \> 3, \# rien &amp; &eacute;t&eacute; &#8364;"
    assert text_of(source) == "*pas d'emphase*, [ni lien], 5 > 3, # rien & été €"


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("[le site](https://www.unicef.org/fr)", "le site (https://www.unicef.org/fr)"),
        ('[le site](https://www.unicef.org "titre")', "le site (https://www.unicef.org)"),
        ("[**gras**](https://x.org)", "gras (https://x.org)"),
        ("<https://www.unicef.org>", "https://www.unicef.org"),
        ("[https://x.org](https://x.org)", "https://x.org"),
        ("[](https://x.org)", "https://x.org"),
        ("<info@unicef.org>", "info@unicef.org"),
        ("[écrivez-nous](mailto:info@unicef.org)", "écrivez-nous (info@unicef.org)"),
        ("[w](mailto:a@b.org?subject=Hi)", "w (mailto:a@b.org?subject=Hi)"),
        ("[l'été](https://exemple.fr/été)", "l'été (https://exemple.fr/été)"),
        ("<https://exemple.fr/été>", "https://exemple.fr/été"),
        ("[a](https://x.org/a%20b)", "a (https://x.org/a%20b)"),
        ("[a](https://x.org/%E2%80%AEexe.pdf)", "a (https://x.org/%E2%80%AEexe.pdf)"),
        ("![logo](https://x.org/logo.png)", "logo (https://x.org/logo.png)"),
        ("[site]\n\n[site]: https://x.org", "site (https://x.org)"),
    ],
)
def test_a_link_reads_label_then_address_once(source: str, text: str) -> None:
    assert text_of(source) == text


@pytest.mark.parametrize(
    "source",
    [
        "[cliquez](javascript:alert(1))",
        "[cliquez](JaVaScRiPt:alert(1))",
        "[cliquez](java&#9;script:alert(1))",
        "[cliquez](data:text/html;base64,PHNjcmlwdD4=)",
        "[cliquez](/relatif)",
        "[cliquez](#ancre)",
        "![cliquez](javascript:alert(1))",
    ],
)
def test_an_unsafe_link_leaves_its_label(source: str) -> None:
    assert text_of(source) == "cliquez"


def test_headings_are_their_own_lines() -> None:
    source = "# Nouvelles\n\nTexte\n\n## Détails ##\n\nSous-titre\n---"
    assert text_of(source) == "Nouvelles\n\nTexte\n\nDétails\n\nSous-titre"


def test_nested_lists_indent_under_their_item() -> None:
    source = (
        "- premier\n"
        "- second\n"
        "  suite du second\n"
        "  - imbriqué **gras**\n"
        "    1. un\n"
        "    1. deux\n"
        "- dernier"
    )
    assert text_of(source) == (
        "• premier\n"
        "• second\n"
        "  suite du second\n"
        "  • imbriqué gras\n"
        "    1. un\n"
        "    2. deux\n"
        "• dernier"
    )


def test_numbered_lists_count_from_their_first_number() -> None:
    assert text_of("3) trois\n4) quatre\n9) cinq") == "3) trois\n4) quatre\n5) cinq"
    assert text_of("0. zéro\n1. un") == "0. zéro\n1. un"
    assert text_of("9. neuf\n10. dix\n11. onze") == "9. neuf\n10. dix\n11. onze"


def test_a_loose_list_keeps_its_blank_lines() -> None:
    source = "1. un\n\n   suite\n2. deux\n\nAprès"
    assert text_of(source) == "1. un\n\n   suite\n\n2. deux\n\nAprès"


def test_quotes_and_code_are_indented_without_markers() -> None:
    source = "> Une citation\n> sur deux lignes\n>\n> > imbriquée\n\n```python\nx = 1\n\ny\n```"
    assert text_of(source) == (
        "    Une citation\n    sur deux lignes\n\n        imbriquée\n\n    x = 1\n\n    y"
    )


def test_a_thematic_break_is_a_rule_and_hard_breaks_are_newlines() -> None:
    assert text_of("avant\n\n***\n\nligne  \nsuivante\\\nfin") == (
        "avant\n\n────────────────────\n\nligne\nsuivante\nfin"
    )


def test_raw_html_is_shown_as_written() -> None:
    assert text_of("<script>alert(1)</script>\n<b>x</b>") == "<script>alert(1)</script>\n<b>x</b>"


def test_an_empty_text_is_empty() -> None:
    assert text_of("") == text_of("\n\n   \n") == ""
    assert text_of("-\n- b") == "•\n• b"


WORDS = st.text(st.characters(categories=("Lu", "Ll", "Lo")), min_size=1, max_size=8)


@st.composite
def marked_up(draw: st.DrawFn) -> tuple[str, str]:
    """Return (Markdown, its expected text): a word, emphasised, as code or as a link."""
    word = draw(WORDS)
    path = draw(st.text("abcxyz019-", min_size=1, max_size=8))
    return draw(
        st.sampled_from(
            [
                (word, word),
                (f"*{word}*", word),
                (f"**{word}**", word),
                (f"_{word}_", word),
                (f"***{word}***", word),
                (f"`{word}`", word),
                (f"[{word}](https://example.org/{path})", f"{word} (https://example.org/{path})"),
                (f"[*{word}*](mailto:{path}@example.org)", f"{word} ({path}@example.org)"),
                (f"<https://example.org/{path}>", f"https://example.org/{path}"),
            ]
        )
    )


LINES = st.lists(st.lists(marked_up(), min_size=1, max_size=6), min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(LINES)
def test_no_markdown_punctuation_is_left_and_lines_stay_as_written(
    lines: list[list[tuple[str, str]]],
) -> None:
    source = "\n".join(" ".join(markdown for markdown, _ in line) for line in lines)
    expected = "\n".join(" ".join(text for _, text in line) for line in lines)
    text = text_of(source)
    assert text == expected
    assert not any(mark in text for mark in ("*", "_", "`", "[", "]", "<", ">"))
