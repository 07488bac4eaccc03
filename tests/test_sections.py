"""eTools section names in the reader's language: the known ones, however an office
spells them, through the catalogs; any other as eTools wrote it."""

from __future__ import annotations

import pytest

from tasks.sections import SECTIONS, section_list, section_name
from tasks.translations import gettext


@pytest.mark.parametrize(
    ("written", "french", "spanish"),
    [
        ("Education", "Éducation", "Educación"),
        ("Child Protection", "Protection de l'enfant", "Protección de la infancia"),
        ("child  protection ", "Protection de l'enfant", "Protección de la infancia"),
        ("HIV / AIDS", "VIH/sida", "VIH/sida"),
        ("C4D", "Communication pour le développement", "Comunicación para el desarrollo"),
        ("Health & Nutrition", "Santé et nutrition", "Salud y nutrición"),
        ("Social and Behavior Change", "Changement social et comportemental", None),
    ],
)
def test_a_known_section_is_named_in_the_readers_language(
    written: str, french: str, spanish: str | None
) -> None:
    assert section_name(written, "fr") == french
    if spanish:
        assert section_name(written, "es") == spanish


def test_english_gives_the_name_offices_use_for_an_abbreviation() -> None:
    assert section_name("ECD", "en") == "Early Childhood Development"
    assert section_name("wash", "en") == "WASH"


def test_an_unknown_section_is_shown_as_etools_wrote_it() -> None:
    assert section_name("  Youth Clubs", "fr") == "Youth Clubs"
    assert section_name("<b>Éducation</b>", "es") == "<b>Éducation</b>"
    assert section_name("x" * 300, "fr") == "x" * 300


def test_every_known_section_is_translated_in_french_and_spanish() -> None:
    # French writes "Nutrition" as English does; a name left out of a catalog reads alike too.
    same = {name for name in SECTIONS if gettext("fr", name) == name}
    assert same <= {"Nutrition"}
    assert all(gettext("es", name) != name for name in SECTIONS)


@pytest.mark.parametrize(
    ("names", "language", "shown"),
    [
        (["Education", "Health"], "fr", "Éducation et Santé"),
        (["Education", "Health", "WASH"], "en", "Education, Health, and WASH"),
        (["Education", "education", "EDUCATION ", " "], "es", "Educación"),
        ([], "fr", ""),
        (["Education", "WASH"], "fr", "Éducation ; Eau, hygiène et assainissement"),
        (["Planning, Monitoring and Evaluation", "Health"], "en", None),
    ],
)
def test_a_list_of_sections_reads_as_one_list(
    names: list[str], language: str, shown: str | None
) -> None:
    written = section_list(names, language)
    if shown is not None:
        assert written == shown
    else:
        assert written == "Planning, Monitoring and Evaluation; Health"
