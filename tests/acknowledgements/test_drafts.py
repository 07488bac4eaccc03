"""The drafts of public acknowledgements, in every language from one template: names in
slots that need no article, sections named in the draft's language, plural forms."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine

from db.acknowledgements import acknowledgements
from db.engine import transaction
from db.partnerships import partnership_by_reference
from tasks.acknowledgements.register import draft_missing
from tasks.countries import SUPPORTED_LANGUAGES

ASEF = "SEN/PCA2021001/PD2021004"
RESEAU = "SEN/PCA2020007/PD2022001"
FUNDACION = "COL/PCA2020003/PD2021008"
GUATEMALA = "GTM/PCA2020002/PD2021005"
KOLDA = "Réseau des Jeunes pour la Santé Communautaire de Kolda"


def drafts(engine: Engine) -> dict[str, dict[str, str]]:
    """Draft every ended partnership; return the texts by reference."""
    with transaction(engine) as session:
        draft_missing(session)
        return {
            item.partnership.reference_number: dict(item.text) for item in acknowledgements(session)
        }


@pytest.fixture
def drafted(imported: Engine) -> dict[str, dict[str, str]]:
    return drafts(imported)


def test_every_draft_is_written_in_every_language(drafted: dict[str, dict[str, str]]) -> None:
    assert drafted and all(set(texts) == set(SUPPORTED_LANGUAGES) for texts in drafted.values())


def test_french_names_the_organisation_where_no_article_is_missing(
    drafted: dict[str, dict[str, str]],
) -> None:
    french = drafted[RESEAU]["fr"]
    assert french.startswith(
        f"Du 15 janvier 2022 au 30 juin 2025, l'UNICEF et l'organisation {KOLDA} ont travaillé"
        " ensemble dans le cadre du partenariat « "
    )
    assert f"L'UNICEF remercie l'organisation {KOLDA} et toutes celles et ceux" in french
    assert not re.search(r"Kolda et l'UNICEF|remercie Réseau|de Réseau|parce que Réseau", french)


def test_spanish_names_the_organisation_where_no_article_is_missing(
    drafted: dict[str, dict[str, str]],
) -> None:
    spanish = drafted[FUNDACION]["es"]
    assert spanish.startswith(
        "Del 1 de julio de 2021 al 30 de noviembre de 2025, UNICEF y la organización"
        " Fundación Niñez y Territorio trabajaron juntos en la alianza «"
    )
    assert "UNICEF agradece a la organización Fundación Niñez y Territorio y a todas" in spanish


@pytest.mark.parametrize(
    ("reference", "language", "sentence"),
    [
        (RESEAU, "fr", "Domaines d'intervention : Santé et Développement des adolescents."),
        (RESEAU, "en", "Areas of work: Health and Adolescent Development."),
        (FUNDACION, "es", "Áreas de trabajo: Protección de la infancia y Educación."),
        (ASEF, "fr", "Domaines d'intervention : Éducation et Genre."),
        (GUATEMALA, "es", "Área de trabajo: Educación."),
        (GUATEMALA, "fr", "Domaine d'intervention : Éducation."),
        (GUATEMALA, "en", "Area of work: Education."),
    ],
)
def test_sections_are_named_in_the_drafts_language(
    drafted: dict[str, dict[str, str]], reference: str, language: str, sentence: str
) -> None:
    assert sentence in drafted[reference][language].split("\n\n")[0]


def test_without_dates_or_with_unknown_sections_the_draft_still_reads(imported: Engine) -> None:
    with transaction(imported) as session:
        partnership = partnership_by_reference(session, RESEAU)
        assert partnership is not None
        partnership.start_date = None
        partnership.sections = ["Health", "Youth Clubs", " "]
    texts = drafts(imported)[RESEAU]
    assert texts["fr"].startswith(f"L'UNICEF et l'organisation {KOLDA} ont travaillé ensemble")
    assert "Domaines d'intervention : Santé et Youth Clubs." in texts["fr"]
    assert texts["en"].startswith(f'{KOLDA} and UNICEF worked together on "')
