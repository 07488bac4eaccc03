"""A name as eTools writes it in `Staff Members`, split into the name mail greets and the
role kept apart ("Fatou Bintou Sarr (Coordinatrice, Thiès)"), in any script, whatever the
parentheses."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from db.models import ROLE_LENGTH
from tasks.etools.members import StaffMember, name_and_role
from tasks.etools.rows import read_partners
from tests.exports import PARTNER_HEADER, partner, write_export

LONG = "Chargée de programme " * 10


@pytest.mark.parametrize(
    ("written", "name", "role"),
    [
        ("Fatou Bintou Sarr (Coordinatrice, Thiès)", "Fatou Bintou Sarr", "Coordinatrice, Thiès"),
        ("Awa Ndiaye", "Awa Ndiaye", None),
        ("  Awa Ndiaye  (  Suivi   et\tÉvaluation ) ", "Awa Ndiaye", "Suivi et Évaluation"),
        ("Awa Ndiaye(Dakar)", "Awa Ndiaye", "Dakar"),
        ("Moussa (Pape) Ba", "Moussa (Pape) Ba", None),
        ("Moussa (Pape) Ba (Trésorier)", "Moussa (Pape) Ba", "Trésorier"),
        ("Awa Ndiaye (Chargée (intérim), Dakar)", "Awa Ndiaye", "Chargée (intérim), Dakar"),
        ("(Coordinatrice)", "(Coordinatrice)", None),
        ("(Coordinatrice) (Thiès)", "(Coordinatrice)", "Thiès"),
        ("()", "()", None),
        ("Khady Sy ()", "Khady Sy", None),
        ("Khady Sy (   )", "Khady Sy", None),
        ("Ndeye (Coordinatrice", "Ndeye (Coordinatrice", None),
        ("Ndeye Coordinatrice)", "Ndeye Coordinatrice)", None),
        ("Ndeye (Coordinatrice))", "Ndeye (Coordinatrice))", None),
        ("Ndeye ((Coordinatrice)", "Ndeye ((Coordinatrice)", None),
        ("Ndeye (Coord) )(Dakar)", "Ndeye (Coord) )(Dakar)", None),
        ("Ndeye (Coordinatrice]", "Ndeye (Coordinatrice]", None),
        ("فاطمة الزهراء (منسقة، الرباط)", "فاطمة الزهراء", "منسقة، الرباط"),
        ("Иван Петров (Координатор, Душанбе)", "Иван Петров", "Координатор, Душанбе"),
        ("王芳（项目主任，北京）", "王芳", "项目主任，北京"),  # noqa: RUF001 (meant)
        ("王芳 (项目主任)", "王芳", "项目主任"),
        ("王芳（项目主任)", "王芳（项目主任)", None),  # noqa: RUF001 (meant)
        (f"Ousmane Kane ({LONG})", "Ousmane Kane", LONG.strip()[: ROLE_LENGTH - 1] + "…"),
        ("", "", None),
    ],
)
def test_the_trailing_parenthesised_part_is_the_role(
    written: str, name: str, role: str | None
) -> None:
    assert name_and_role(written) == (name, role)


def test_a_role_just_long_enough_is_kept_whole() -> None:
    role = "r" * ROLE_LENGTH
    assert name_and_role(f"Awa ({role})") == ("Awa", role)


@given(st.text(max_size=400))
def test_any_name_splits_into_a_name_and_a_role_that_fits(written: str) -> None:
    name, role = name_and_role(written)
    assert name == name.strip() and written.strip().startswith(name)
    assert bool(name) == bool(written.strip())
    if role is not None:
        assert role == " ".join(role.split()) and 0 < len(role) <= ROLE_LENGTH
        assert len(name) < len(written.strip())
    assert name_and_role(written) == (name, role)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (
            "Fatou Bintou Sarr (Coordinatrice, Thiès) (FB.Sarr@example.org), Awa (a@example.org)",
            [
                StaffMember("Fatou Bintou Sarr", "fb.sarr@example.org", "Coordinatrice, Thiès"),
                StaffMember("Awa", "a@example.org"),
            ],
        ),
        (
            # A comma inside full-width parentheses stays in its entry.
            "王芳（项目主任, 北京）（wang@example.cn）, Li Na (li@example.cn)",  # noqa: RUF001
            [
                StaffMember("王芳", "wang@example.cn", "项目主任, 北京"),
                StaffMember("Li Na", "li@example.cn"),
            ],
        ),
        (
            # No address: matched by name on the next import, so one name is one person.
            "Moussa Fall (Trésorier), Moussa Fall (Président), Moussa Fall",
            [StaffMember("Moussa Fall", None, "Trésorier")],
        ),
        ("(Coordinatrice) (c@example.org)", [StaffMember("(Coordinatrice)", "c@example.org")]),
    ],
)
def test_staff_members_carry_their_role_apart(
    tmp_path: Path, cell: str, expected: list[StaffMember]
) -> None:
    path = write_export(tmp_path / "p.csv", PARTNER_HEADER, [partner(**{"Staff Members": cell})])
    (record,) = read_partners(path)
    assert list(record.staff) == expected


def test_a_member_keeps_the_name_as_etools_writes_it(tmp_path: Path) -> None:
    cell = "Moussa Fall  (Trésorier)"
    path = write_export(tmp_path / "p.csv", PARTNER_HEADER, [partner(**{"Staff Members": cell})])
    (member,) = read_partners(path)[0].staff
    assert member.written == "Moussa Fall  (Trésorier)"


def test_a_long_role_no_longer_makes_the_name_too_long(tmp_path: Path) -> None:
    cell = f"{'N' * 200} ({'r' * 200}) (n@example.org)"
    path = write_export(tmp_path / "p.csv", PARTNER_HEADER, [partner(**{"Staff Members": cell})])
    (member,) = read_partners(path)[0].staff
    assert member.name == "N" * 200 and len(member.role or "") == ROLE_LENGTH
