"""Finding a person and changing them at the contact desk (tasks/people): either form of
an address, a number, a person at two partners, changes with a reason in the history."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from db.engine import transaction
from tasks.people.changes import ChangeError, reinstate, set_details, suppress
from tasks.people.person import PersonError, find_person
from tasks.people.profile import profile
from tests.people.world import JB, JB_ASCII, JB_NAME, NOW, exports, import_into


def test_either_form_of_the_address_finds_the_person_at_both_partners(people: Engine) -> None:
    with transaction(people) as session:
        by_unicode, by_ascii = find_person(session, JB), find_person(session, JB_ASCII)
        assert by_unicode.ids == by_ascii.ids and len(by_unicode.ids) == 2
        by_number = find_person(session, str(by_unicode.ids[1]))
        assert by_number.ids == by_unicode.ids
        shown = profile(session, by_ascii)["contacts"]
    assert [c["vendor_number"] for c in shown] == ["2500900001", "2500900002"]
    assert {(c["name"], c["status"], c["messages"], c["answers"]) for c in shown} == {
        (JB_NAME, "reachable", 0, 0)
    }


@pytest.mark.parametrize(
    "ident", ["nobody@example.org", "123456", "9" * 40, "", "x" * 400, "a\x1b[31m@b.org"]
)
def test_what_names_no_one_is_refused(people: Engine, ident: str) -> None:
    with pytest.raises(PersonError), transaction(people) as session:
        find_person(session, ident)


def test_a_person_without_address_is_found_by_number_alone(people: Engine) -> None:
    with transaction(people) as session:
        (jb, _) = find_person(session, JB).contacts
        moussa = find_person(session, str(jb.id + 1))
        assert [(c.name, c.email) for c in moussa.contacts] == [("Moussa Fall", None)]


def test_suppress_and_reinstate_act_on_every_row_with_the_reason(people: Engine) -> None:
    with transaction(people) as session:
        person = find_person(session, JB)
        assert len(suppress(session, person, "  asked by   phone ", "Aïda", NOW)) == 2
        with pytest.raises(ChangeError, match="already suppressed"):
            suppress(session, person, "again", "Aïda", NOW)
        assert len(reinstate(session, person, "called back", "", NOW)) == 2
        shown = profile(session, person)["contacts"]
    for contact in shown:
        assert contact["status"] == "reachable"
        assert [(e["what"], e["by"], e["details"]["reason"]) for e in contact["history"]] == [
            ("suppressed", "Aïda", "asked by phone"),
            ("reinstated", "staff", "called back"),
        ]


@pytest.mark.parametrize(
    ("reason", "by", "problem"),
    [
        ("", "Aïda", "say why"),
        ("   \n ", "Aïda", "say why"),
        ("x" * 501, "Aïda", "longer than"),
        ("ok\x00", "Aïda", "control characters"),
        ("fine", "A\x07", "--by"),
        ("fine", "A" * 300, "--by"),
    ],
)
def test_a_change_without_a_proper_reason_is_refused(
    people: Engine, reason: str, by: str, problem: str
) -> None:
    with pytest.raises(ChangeError, match=problem), transaction(people) as session:
        suppress(session, find_person(session, JB), reason, by, NOW)


@pytest.mark.parametrize(
    "changes",
    [
        {"language": "de"},
        {"language": "FR"},
        {"time_zone": "Mars/Olympus"},
        {"time_zone": "../../etc/passwd"},
        {"time_zone": "Africa/Dakar\x00"},
        {},
    ],
)
def test_set_refuses_what_is_no_language_or_time_zone(people: Engine, changes: dict) -> None:
    with pytest.raises(ChangeError), transaction(people) as session:
        set_details(session, find_person(session, JB), changes, "asked", "Aïda", NOW)


def test_language_and_time_zone_set_by_staff_survive_an_import(
    people: Engine, tmp_path: Path
) -> None:
    wanted = {"language": "es", "time_zone": "America/Bogota"}
    with transaction(people) as session:
        set_details(session, find_person(session, JB_ASCII), wanted, "moved", "Aïda", NOW)
    import_into(people, exports(tmp_path))
    with transaction(people) as session:
        person = find_person(session, JB)
        assert {(c.language, c.local_time_zone) for c in person.contacts} == {
            ("es", "America/Bogota")
        }
        set_details(session, person, {"time_zone": "partner"}, "back home", "Aïda", NOW)
        assert {c.local_time_zone for c in person.contacts} == {"Africa/Dakar"}
        with pytest.raises(ChangeError, match="nothing to change"):
            set_details(session, person, {"language": "es"}, "again", "Aïda", NOW)
