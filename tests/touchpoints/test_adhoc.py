"""An update campaign's content: one variant per supported language, the reader's first."""

from __future__ import annotations

import pytest

from tasks.countries import FALLBACK_LANGUAGE, SUPPORTED_LANGUAGES
from tasks.touchpoints.adhoc import AdhocCampaign, Content, Variant


def test_the_form_offers_one_variant_per_supported_language() -> None:
    assert tuple(Content.model_fields) == SUPPORTED_LANGUAGES


def test_a_reader_gets_their_language_else_the_fallback_else_any() -> None:
    every = Content(
        **{language: Variant(subject=language, body="x") for language in SUPPORTED_LANGUAGES}
    )
    assert [every.variant_for(language)[0] for language in SUPPORTED_LANGUAGES] == list(
        SUPPORTED_LANGUAGES
    )
    others = [language for language in SUPPORTED_LANGUAGES if language != FALLBACK_LANGUAGE]
    only_last = Content(**{others[-1]: Variant(subject="s", body="b")})
    assert only_last.variant_for(others[0])[0] == others[-1]
    assert only_last.languages == [others[-1]]
    with_fallback = Content(
        **{
            FALLBACK_LANGUAGE: Variant(subject="s", body="b"),
            others[-1]: Variant(subject="t", body="b"),
        }
    )
    assert with_fallback.variant_for(others[0])[0] == FALLBACK_LANGUAGE


def test_a_campaign_without_content_is_refused() -> None:
    with pytest.raises(ValueError, match="no content"):
        Content().variant_for(FALLBACK_LANGUAGE)


def test_a_custom_campaign_without_content_names_every_language_it_may_take() -> None:
    with pytest.raises(ValueError, match="at least one of fr, en, es, ar, pt, ru"):
        AdhocCampaign(name="Vide")


def test_a_language_is_given_by_its_subject_and_body_together_or_left_out() -> None:
    content = Content.model_validate(
        {"fr": {"subject": "Nouvelles", "body": "Bonjour"}, "en": {"subject": "", "body": ""}}
    )
    assert content.languages == ["fr"]
    assert content.variant_for("en")[0] == "fr"
    for half in ({"subject": "News"}, {"body": "Dear all"}, {"subject": "News", "body": "  "}):
        with pytest.raises(ValueError, match="subject and the body together"):
            Content.model_validate({"en": half})


def test_a_campaign_stored_with_null_for_a_language_left_out_still_renders() -> None:
    """Campaigns recorded before every language had its boxes kept `null` for them."""
    stored = {language: None for language in SUPPORTED_LANGUAGES}
    stored["es"] = {"subject": "Noticias", "body": "Hola"}
    content = Content.model_validate(stored)
    assert content.languages == ["es"] and content.variant_for("fr") == (
        "es",
        Variant(subject="Noticias", body="Hola"),
    )


@pytest.mark.parametrize(
    "variant",
    [
        {"subject": "a\nb", "body": "x"},
        {"subject": "x" * 201, "body": "x"},
        {"subject": "x", "body": "x" * 20_001},
        {"subject": "x", "body": "x", "footer": "y"},
        {"subject": 1, "body": "x"},
        "Hello",
    ],
)
def test_a_hostile_or_oversized_variant_is_refused(variant: object) -> None:
    with pytest.raises(ValueError):
        Content.model_validate({"en": variant})
