"""Every message in every language: written in that language from subject to footer, in
its direction, with no English sentence left where a translation exists."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache

import pytest
from babel.messages.pofile import read_po

from tasks.countries import SUPPORTED_LANGUAGES
from tasks.outbox.render import RLM, RenderedEmail, environment, local_datetime, render_email
from tasks.translations import SOURCE_LANGUAGE, catalog_path, direction
from tests.outbox.test_render import DIGEST_GROUP, KINDS, NOTICES, sample_context

TRANSLATED = [language for language in SUPPORTED_LANGUAGES if language != SOURCE_LANGUAGE]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")
# A fragment of a message shorter than this (a label like "When:") may be the same
# words in another language's sentence; longer ones may not.
SHORTEST_FRAGMENT = 12
EXTRA = {
    "focal_point_digest": {
        "new": [DIGEST_GROUP],
        "reminders": [DIGEST_GROUP],
        "new_count": 1,
        "reminder_count": 1,
        "answer_within_days": 5,
    },
    "capacity_alert": {"history": [{"day": "2026-11-28", "capacity": 2}]},
}


@cache
def english_fragments(language: str) -> frozenset[str]:
    """Return the fixed English fragments (between placeholders) of every message that
    `language`'s catalog writes differently."""
    with catalog_path(language).open("rb") as file:
        catalog = read_po(file, locale=language)
    fragments = set()
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids if message.id else ():
            for fragment in PLACEHOLDER.split(english):
                fragment = fragment.strip()
                if len(fragment) >= SHORTEST_FRAGMENT and not any(
                    fragment in translated for translated in strings
                ):
                    fragments.add(fragment)
    return frozenset(fragments)


def rendered(kind: str, language: str) -> RenderedEmail:
    return render_email(environment(), kind, language, sample_context(**EXTRA.get(kind, {})))


@pytest.mark.parametrize("kind", [*KINDS, *NOTICES, "focal_point_digest"])
@pytest.mark.parametrize("language", TRANSLATED)
def test_no_english_sentence_is_left_in_a_translated_message(kind: str, language: str) -> None:
    mail = rendered(kind, language)
    left = [
        fragment
        for fragment in english_fragments(language)
        for part in (mail.subject, mail.html, mail.text)
        if fragment in part
    ]
    assert left == []


@pytest.mark.parametrize("kind", [*KINDS, *NOTICES, "focal_point_digest"])
@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_message_carries_its_language_and_direction(kind: str, language: str) -> None:
    html = rendered(kind, language).html
    assert f'<html lang="{language}" dir="{direction(language)}">' in html


def test_every_line_of_an_arabic_text_part_opens_right_to_left() -> None:
    text = rendered("consultation_invitation", "ar").text
    written = [line for line in text.split("\n") if line.strip()]
    assert all(line.startswith(RLM) for line in written if line != "-- ")
    assert "\n-- \n" in text, "the signature line as clients find it"
    assert RLM not in rendered("consultation_invitation", "fr").text


def test_a_moment_is_joined_as_its_language_writes_it() -> None:
    moment = datetime(2027, 2, 10, 6, 30, tzinfo=UTC)
    assert local_datetime(moment, "Asia/Aden", "ar").startswith("10 فبراير 2027، 9:30")
    assert local_datetime(moment, "Africa/Dakar", "fr").startswith("10 février 2027, 06:30")
