"""The `set-contact-language` form on a real Prefect API: a contact's language set by
number with a listed reason, through the contact desk's own change (every row of the
person, the history, kept by imports); nothing else is taken."""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect.exceptions import ParameterTypeError
from sqlalchemy import Engine, select

from db.engine import transaction
from db.models import Contact, ContactEvent
from flows.registry import FORMS
from tasks.people.changes import ChangeError
from tasks.people.person import PersonError, find_person
from tests.people.world import JB, JB_NAME, NOW, exports, import_into

pytestmark = pytest.mark.usefixtures("prefect_api", "app_env")
FORM = FORMS["set-contact-language"]
ASKED = "the contact asked for this language"


def numbers(engine: Engine, address: str = JB) -> list[int]:
    with transaction(engine) as session:
        return find_person(session, address).ids


def languages(engine: Engine, address: str = JB) -> set[str]:
    with transaction(engine) as session:
        return {contact.language for contact in find_person(session, address).contacts}


def test_the_form_sets_the_language_on_every_row_of_the_person(people: Engine) -> None:
    first, second = numbers(people)
    change = {"contact": second, "language": "pt", "reason": ASKED, "by": "Aïda Sow"}
    done = FORM(change=change, as_of=NOW)
    assert done == {"contacts": [first, second], "language": "pt"}
    assert languages(people) == {"pt"}
    with transaction(people) as session:
        history = list(
            session.scalars(select(ContactEvent).where(ContactEvent.action == "changed"))
        )
        lines = {(line.contact_id, line.actor, line.at) for line in history}
        details = {line.details["reason"] for line in history}
    assert lines == {(first, "Aïda Sow", NOW), (second, "Aïda Sow", NOW)}
    assert details == {ASKED}


def test_an_import_keeps_the_language_the_form_set(people: Engine, tmp_path: Path) -> None:
    FORM(change={"contact": numbers(people)[0], "language": "ar", "reason": ASKED})
    import_into(people, exports(tmp_path))
    assert languages(people) == {"ar"}
    with transaction(people) as session:
        actors = session.scalars(select(ContactEvent.actor).where(ContactEvent.action == "changed"))
        assert set(actors) == {"staff"}


def test_what_names_no_one_or_changes_nothing_is_refused(people: Engine) -> None:
    number = numbers(people)[0]
    with pytest.raises(PersonError, match=r"no contact has the number 99999$"):
        FORM(change={"contact": 99999, "language": "fr", "reason": ASKED})
    FORM(change={"contact": number, "language": "es", "reason": ASKED})
    with pytest.raises(ChangeError, match="nothing to change"):
        FORM(change={"contact": number, "language": "es", "reason": ASKED})
    with transaction(people) as session:
        for contact in session.scalars(select(Contact).where(Contact.id.in_(numbers(people)))):
            contact.erased_at = NOW
    with pytest.raises(ChangeError, match="erased"):
        FORM(change={"contact": number, "language": "fr", "reason": ASKED})


@pytest.mark.parametrize(
    "change",
    [
        {"contact": JB, "language": "fr", "reason": ASKED},
        {"contact": 0, "language": "fr", "reason": ASKED},
        {"contact": 10**15, "language": "fr", "reason": ASKED},
        {"contact": 1, "language": "de", "reason": ASKED},
        {"contact": 1, "language": "fr", "reason": f"{JB_NAME} called"},
        {"contact": 1, "language": "fr", "reason": ASKED, "by": "Aïda\x00"},
        {"contact": 1, "language": "fr", "reason": ASKED, "by": "x" * 257},
        {"contact": 1, "language": "fr", "reason": ASKED, "address": JB},
    ],
)
def test_the_form_takes_a_number_and_a_listed_reason_only(people: Engine, change: dict) -> None:
    """Prefect keeps a form's values: no address, no words of staff's own."""
    with pytest.raises(ParameterTypeError):
        FORM(change=change)
    assert languages(people) == {"fr"}


def test_the_forms_schema_asks_for_a_number_and_offers_the_reasons() -> None:
    schema = FORM.parameters.model_dump()["definitions"]["ContactLanguage"]["properties"]
    assert schema["contact"]["type"] == "integer"
    assert ASKED in schema["reason"]["enum"]
    assert schema["language"]["enum"] == ["fr", "en", "es", "ar", "pt", "ru"]
