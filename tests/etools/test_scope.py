"""A sync is scoped to its workspace: one partner listed by two workspaces, each with the
staff it works with there, keeps both lists' people, one country and one name, however
often both are synced; what one workspace stops listing is judged against that
workspace's export only."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from db.engine import transaction
from db.models import Contact, Partner
from tests.etools.etools_api import EtoolsStandIn, recorded_workspaces, rows_of
from tests.etools.syncs import stored, sync
from tests.etools.test_sync import rerecord

pytestmark = pytest.mark.usefixtures("prefect_api", "sync_env")
ASEF = "2500211001"
BOTH = "Awa Ndiaye (a.ndiaye@asef-senegal.example.org)"
IN_KENYA = "Grace Otieno (g.otieno@asef.example.or.ke)"
IN_SENEGAL = "Mamadou Lamine Diallo (ml.diallo@asef-senegal.example.org)"
RECORDED = {
    code: (rows_of(workspace.partners), rows_of(workspace.interventions))
    for code, workspace in recorded_workspaces("SEN", "KEN").items()
}


def share_asef_with_kenya(etools: EtoolsStandIn, senegal_staff: str) -> None:
    """ASEF works in Kenya too, with a partnership there ending after its Senegalese ones;
    Kenya lists one person Senegal lists and one of its own."""
    partners, interventions = RECORDED["SEN"]
    asef = next(row for row in partners if row["Vendor Number"] == ASEF)
    partners = [{**row, "Staff Members": senegal_staff} if row is asef else row for row in partners]
    rerecord(etools, "SEN", partners, interventions)
    kenya_partners, kenya_interventions = RECORDED["KEN"]
    kenyan = {**asef, "Staff Members": f"{BOTH}, {IN_KENYA}", "Short Name": "ASEF Kenya"}
    ended = {
        **kenya_interventions[0],
        "Vendor Number": ASEF,
        "Reference Number": "KEN/PCA2025001/PD2025001",
        "Status": "ended",
        "End Date": "2027-12-31",
    }
    rerecord(etools, "KEN", [*kenya_partners, kenyan], [*kenya_interventions, ended])


def active_addresses(engine: Engine) -> set[str]:
    with transaction(engine) as session:
        query = select(Contact.email).join(Contact.partner).where(Partner.vendor_number == ASEF)
        return set(session.scalars(query.where(Contact.active)))


def test_a_shared_partner_keeps_both_workspaces_people_and_one_country(
    etools: EtoolsStandIn, engine: Engine
) -> None:
    share_asef_with_kenya(etools, f"{BOTH}, {IN_SENEGAL}")
    assert sync().is_completed()
    before = stored(engine)
    state = sync()
    assert state.is_completed(), state.message
    assert stored(engine) == before
    assert active_addresses(engine) == {
        "a.ndiaye@asef-senegal.example.org",
        "ml.diallo@asef-senegal.example.org",
        "g.otieno@asef.example.or.ke",
    }
    with transaction(engine) as session:
        asef = session.scalars(select(Partner).where(Partner.vendor_number == ASEF)).one()
        # Its partnership ending last is Kenya's: Kenya's time zone, Kenya's spelling.
        assert (asef.country, asef.time_zone, asef.short_name) == (
            "KEN",
            "Africa/Nairobi",
            "ASEF Kenya",
        )


def test_a_person_one_workspace_stops_listing_is_gone_unless_another_lists_them(
    etools: EtoolsStandIn, engine: Engine
) -> None:
    share_asef_with_kenya(etools, f"{BOTH}, {IN_SENEGAL}")
    assert sync().is_completed()
    share_asef_with_kenya(etools, "")
    assert sync().is_completed()
    assert active_addresses(engine) == {
        "a.ndiaye@asef-senegal.example.org",
        "g.otieno@asef.example.or.ke",
    }


def test_nobody_is_judged_gone_while_another_workspace_of_the_partner_failed(
    etools: EtoolsStandIn, engine: Engine
) -> None:
    share_asef_with_kenya(etools, f"{BOTH}, {IN_SENEGAL}")
    assert sync().is_completed()
    share_asef_with_kenya(etools, BOTH)
    etools.fail("KEN", "partners", "500")
    assert sync().is_failed()
    # Whether Kenya lists him now cannot be told while it fails: he stays.
    assert "ml.diallo@asef-senegal.example.org" in active_addresses(engine)
    etools.heal()
    assert sync().is_completed()
    assert "ml.diallo@asef-senegal.example.org" not in active_addresses(engine)
