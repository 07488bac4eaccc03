"""The eTools import keeps a person's role apart from their name ("Fatou Bintou Sarr
(Coordinatrice, Thiès)"): the role follows eTools unless staff set it, a re-import changes
nothing, and a person erased while the role was still in the name stays out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from db.engine import transaction
from db.erasure import list_erasure
from db.models import DEFAULT_ROLE, ROLE_LENGTH, Contact
from tasks.etools.importer import import_etools
from tasks.follow_up_policy import load_policy
from tasks.people.changes import ChangeError, set_details
from tasks.people.do_not_contact import member_hmac
from tasks.people.person import find_person
from tests.exports import INTERVENTION_HEADER, PARTNER_HEADER, intervention, partner, write_export

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
FATOU = "fb.sarr@example.org"
VENDOR = "2500900001"


def import_staff(engine: Engine, tmp_path: Path, staff: str) -> dict:
    """Import one partner listing `staff`; return the contacts' counts."""
    partners = write_export(
        tmp_path / "partners.csv", PARTNER_HEADER, [partner(VENDOR, **{"Staff Members": staff})]
    )
    interventions = write_export(tmp_path / "pd.csv", INTERVENTION_HEADER, [intervention()])
    with transaction(engine) as session:
        return import_etools(session, partners, interventions, load_policy()).as_dict()["contacts"]


def people(engine: Engine) -> list[tuple]:
    with transaction(engine) as session:
        query = select(Contact.name, Contact.role, Contact.role_by_staff, Contact.active)
        return [tuple(row) for row in session.execute(query.order_by(Contact.id))]


def test_the_role_is_kept_apart_and_a_reimport_changes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    staff = f"Fatou Bintou Sarr (Coordinatrice, Thiès) ({FATOU}), Moussa Fall (Trésorier)"
    assert import_staff(engine, tmp_path, staff) == {"created": 2}
    first = people(engine)
    assert first == [
        ("Fatou Bintou Sarr", "Coordinatrice, Thiès", False, True),
        ("Moussa Fall", "Trésorier", False, True),
    ]
    assert import_staff(engine, tmp_path, staff) == {"unchanged": 2}
    assert people(engine) == first


def test_a_long_role_is_cut_once_and_stays_cut(engine: Engine, tmp_path: Path) -> None:
    staff = f"Fatou Bintou Sarr ({'Coordinatrice régionale, ' * 20}Thiès) ({FATOU})"
    import_staff(engine, tmp_path, staff)
    ((_, role, _, _),) = people(engine)
    assert len(role) == ROLE_LENGTH and role.endswith("…")
    assert import_staff(engine, tmp_path, staff) == {"unchanged": 1}


def test_the_role_follows_etools_on_the_same_contact(engine: Engine, tmp_path: Path) -> None:
    import_staff(engine, tmp_path, f"Fatou Bintou Sarr (Coordinatrice, Thiès) ({FATOU})")
    assert import_staff(engine, tmp_path, f"Fatou Bintou Sarr (Directrice) ({FATOU})") == {
        "updated": 1
    }
    assert people(engine) == [("Fatou Bintou Sarr", "Directrice", False, True)]
    import_staff(engine, tmp_path, f"Fatou B. Sarr ({FATOU.upper()})")
    assert people(engine) == [("Fatou B. Sarr", DEFAULT_ROLE, False, True)]


def test_a_role_staff_set_wins_until_they_give_it_back(engine: Engine, tmp_path: Path) -> None:
    staff = f"Fatou Bintou Sarr (Coordinatrice, Thiès) ({FATOU})"
    import_staff(engine, tmp_path, staff)
    with transaction(engine) as session:
        person = find_person(session, FATOU)
        set_details(session, person, {"role": " Directrice  régionale "}, "called", "Aïda", NOW)
    assert import_staff(engine, tmp_path, f"Fatou Bintou Sarr (Chargée) ({FATOU})") == {
        "unchanged": 1
    }
    assert people(engine) == [("Fatou Bintou Sarr", "Directrice régionale", True, True)]
    with transaction(engine) as session:
        set_details(session, find_person(session, FATOU), {"role": "etools"}, "ok", "Aïda", NOW)
    import_staff(engine, tmp_path, staff)
    assert people(engine) == [("Fatou Bintou Sarr", "Coordinatrice, Thiès", False, True)]


@pytest.mark.parametrize("role", ["", "   ", "r" * (ROLE_LENGTH + 1), "Directrice\x1b[31m"])
def test_a_blank_long_or_control_role_is_refused(engine: Engine, tmp_path: Path, role: str) -> None:
    import_staff(engine, tmp_path, f"Fatou Bintou Sarr ({FATOU})")
    with pytest.raises(ChangeError, match="--role"), transaction(engine) as session:
        set_details(session, find_person(session, FATOU), {"role": role}, "asked", "Aïda", NOW)


def test_one_erased_while_the_role_was_in_the_name_stays_out(
    engine: Engine, app_env, tmp_path: Path
) -> None:
    """An earlier release listed a person with no address by the name as eTools wrote it,
    role included; the import still finds them there."""
    with transaction(engine) as session:
        digest = member_hmac("s" * 48, VENDOR, "Moussa Fall (Trésorier)")
        assert digest is not None
        list_erasure(session, digest, NOW)
    counts = import_staff(engine, tmp_path, f"Moussa Fall (Trésorier), Awa ({FATOU})")
    assert counts == {"created": 1, "erased, not re-added": 1}
    assert [name for name, *_ in people(engine)] == ["Awa"]
