"""Focal points' addresses from eTools' staff users: the directory is filled where the token
may read them, left alone where it may not (403), and what staff registered stands."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from db.contacts import staff_contacts
from db.engine import transaction
from tasks.staff.focal_points import add_focal_point
from tests.etools.etools_api import EtoolsStandIn
from tests.etools.syncs import sync

pytestmark = pytest.mark.usefixtures("prefect_api", "sync_env")
USERS = [
    # eTools' `name` is first and last name; the middle name shows in its parts only.
    {
        "name": "Aissatou Sow",
        "first_name": "Aïssatou",
        "last_name": "Sow",
        "email": "a.sow@unicef.org",
    },
    {"name": "Pierre Lemaire", "email": "p.lemaire@unicef.org"},
    {"name": "Pierre Lemaire", "email": "pierre.lemaire@unicef.org"},
    {"name": "Khadija Mbaye", "email": "k.mbaye@unicef.org"},
    {"name": "Ousmane Diop", "email": "o.diop@unicef.org"},
    {"name": "", "email": "nameless@unicef.org"},
    {"name": "No Address"},
    "not a user",
]


def directory(engine: Engine) -> dict[str, tuple[str | None, str]]:
    with transaction(engine) as session:
        return {c.name: (c.email, c.language) for c in staff_contacts(session) if c.active}


def test_focal_points_get_the_address_etools_gives_them(
    etools: EtoolsStandIn, engine: Engine
) -> None:
    etools.workspaces["SEN"].users = USERS
    with transaction(engine) as session:
        add_focal_point(session, "Khadija Mbaye", "khadija@unicef.example.org", "en")
    state = sync()
    assert state.is_completed(), state.message
    # Pierre Lemaire is two users: which one is meant cannot be told. Ousmane Diop is no
    # focal point. Khadija Mbaye was registered by staff: that stands.
    assert directory(engine) == {
        "Aïssatou Sow": ("a.sow@unicef.org", "fr"),
        "Khadija Mbaye": ("khadija@unicef.example.org", "en"),
    }
    assert "SEN: 1 focal point address(es) from eTools' users" in state.result()["notes"]
    assert [asked.schema for asked in etools.asked_for("users")] == ["SEN", "CMR", "KEN"]


@pytest.mark.parametrize("fault", ["403", "404"])
def test_a_token_that_may_not_read_users_changes_nothing_and_says_nothing(
    etools: EtoolsStandIn, engine: Engine, fault: str
) -> None:
    """403: the token's user may not list users; 404: an eTools without the list."""
    etools.workspaces["SEN"].users = USERS
    etools.fail("SEN", "users", fault)
    state = sync()
    assert state.is_completed(), state.message
    assert directory(engine) == {}
    assert "notes" not in state.result()


def test_users_etools_fails_to_list_are_noted_and_the_workspace_syncs(
    etools: EtoolsStandIn, engine: Engine
) -> None:
    etools.workspaces["SEN"].users = USERS
    etools.fail("SEN", "users", "500")
    state = sync()
    assert state.is_completed(), state.message
    assert (
        "SEN: focal points' addresses not read from eTools: eTools answered HTTP 500"
        in (state.result()["notes"])
    )
