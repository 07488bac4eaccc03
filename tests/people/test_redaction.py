"""The redactor finds a person's name as people write it in any script, and only it."""

from __future__ import annotations

import pytest

from db.models import Contact
from tasks.people.redaction import ERASED, MIN_NAME, Redactor, identities


def redacted(name: str, text: str) -> str | None:
    return Redactor.of([name], MIN_NAME).text(text)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("王小明", "王小明说项目很好", f"{ERASED}说项目很好"),
        ("王芳", "感谢王芳的帮助", f"感谢{ERASED}的帮助"),
        ("田中太郎", "田中太郎さんによると", f"{ERASED}さんによると"),
        ("김민수", "김민수님께서 말했다", f"{ERASED}님께서 말했다"),
        ("สมชาย ใจดี", "คุณสมชาย ใจดีกล่าวว่า", f"คุณ{ERASED}กล่าวว่า"),
        ("Anne-Marie Diallo", "Anne Marie Diallo, anne-marie  diallo", f"{ERASED}, {ERASED}"),
        ("O'Neil Sam", "O\u2019Neil Sam came", f"{ERASED} came"),
        ("Awa Ndiaye", "signed: Awa Ndiaye.", f"signed: {ERASED}."),
    ],
)
def test_a_name_is_found_as_its_script_and_its_writers_spell_it(
    name: str, text: str, expected: str
) -> None:
    assert redacted(name, text) == expected


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("राज", "राजू ने कहा"),  # a vowel sign makes it another name
        ("Mark", "a remarkable year. Bookmark this; Jean-Mark and mark@ngo.org agree"),
        ("Awa", "awa.ndiaye@apef.sn, www.awa.sn"),
    ],
)
def test_someone_elses_word_is_left_whole(name: str, text: str) -> None:
    assert redacted(name, text) == text


def test_a_name_etools_wrote_with_its_role_is_erased_whole() -> None:
    person = Contact(name="Fatou Sarr", role="Coordinatrice, Thiès", email="f.sarr@example.org")
    who = Redactor.of(identities([person]), MIN_NAME)
    written = "Réponse de Fatou Sarr (Coordinatrice, Thiès) reçue"
    assert who.text(written) == f"Réponse de {ERASED} reçue"
