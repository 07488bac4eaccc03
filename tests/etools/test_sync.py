"""The etools-sync flow against a stand-in of eTools' API: every workspace asked with the
token and imported; eTools failing for one workspace changes nothing of it while the
others sync and the run fails naming it; changes since the last sync arrive."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, select

from db.engine import transaction
from db.models import Contact, FollowUpPlan, InterventionStatus, Partner, Partnership
from tasks.settings import get_settings
from tests.artifacts import latest_artifact
from tests.conftest import WORKSPACES
from tests.etools.etools_api import INTERVENTION_HEADER, PARTNER_HEADER, EtoolsStandIn, rows_of
from tests.etools.syncs import stored, sync
from tests.exports import export_text

pytestmark = pytest.mark.usefixtures("prefect_api", "sync_env")
NOTHING = {"partners": [], "contacts": [], "partnerships": [], "plans": []}


def recorded_rows(etools: EtoolsStandIn, code: str) -> tuple[list[dict], list[dict]]:
    workspace = etools.workspaces[code]
    return rows_of(workspace.partners), rows_of(workspace.interventions)


def rerecord(etools: EtoolsStandIn, code: str, partners: list[dict], interventions: list[dict]):
    etools.workspaces[code].partners = export_text(PARTNER_HEADER, partners)
    etools.workspaces[code].interventions = export_text(INTERVENTION_HEADER, interventions)


def edited(rows: list[dict], reference: str, **cells: str) -> list[dict]:
    return [{**row, **cells} if row["Reference Number"] == reference else row for row in rows]


def test_one_run_asks_every_workspace_with_the_token_and_imports_everything(
    etools: EtoolsStandIn, engine: Engine
) -> None:
    state = sync()
    assert state.is_completed(), state.message
    for what in ("partners", "interventions"):
        asked = etools.asked_for(what)
        assert sorted(a.schema for a in asked) == sorted(WORKSPACES)
        assert {(a.format, a.authorization) for a in asked} == {("csv", f"Token {etools.token}")}
    with transaction(engine) as session:
        references = set(session.scalars(select(Partnership.reference_number)))
        vendors = set(session.scalars(select(Partner.vendor_number)))
    for code in WORKSPACES:
        partners, interventions = recorded_rows(etools, code)
        assert {row["Reference Number"] for row in interventions} <= references
        assert {row["Vendor Number"] for row in partners} <= vendors
    assert len(references) == 10 and len(vendors) == 7
    assert state.result()["synced"] == "SEN, CMR, KEN"


def test_a_second_run_of_unchanged_data_changes_nothing(etools: EtoolsStandIn, engine) -> None:
    assert sync().is_completed()
    before = stored(engine)
    state = sync()
    assert state.is_completed(), state.message
    assert stored(engine) == before
    assert set(state.result()["changes"].values()) == {0}


def test_a_failing_workspace_changes_nothing_and_the_others_sync(
    etools: EtoolsStandIn, engine: Engine
) -> None:
    assert sync().is_completed()
    cameroon, kenya = stored(engine, "CMR"), stored(engine, "KEN")
    # eTools changed in every workspace; it answers 500 for Cameroon, half a body for Kenya.
    for code, reference in (
        ("SEN", "SEN/PCA2021001/PD2025002"),
        ("CMR", "CMR/PCA2019012/PD2023003"),
        ("KEN", "KEN/PCA2020015/PD2024007"),
    ):
        partners, interventions = recorded_rows(etools, code)
        ended = edited(interventions, reference, Status="ended", **{"End Date": "2026-05-31"})
        rerecord(etools, code, [{**p, "Staff Members": ""} for p in partners], ended)
    etools.fail("CMR", "interventions", "500")
    etools.fail("KEN", "partners", "half")
    state = sync()
    assert state.is_failed()
    message = str(state.message)
    assert "CMR not synced" in message and "HTTP 500" in message
    assert "KEN not synced: the partner export: eTools sent " in message
    assert "bytes its Content-Length announced, then hung up (asked 4 times)" in message
    assert "SEN not synced" not in message
    assert stored(engine, "CMR") == cameroon and stored(engine, "KEN") == kenya
    with transaction(engine) as session:
        senegal = session.scalars(
            select(Partnership).where(Partnership.reference_number == "SEN/PCA2021001/PD2025002")
        ).one()
        assert senegal.status == InterventionStatus.ENDED
    rows = {row["workspace"]: row for row in json.loads(latest_artifact("etools-sync"))}
    assert rows["SEN"]["synced"] == "yes"
    assert "HTTP 500" in rows["CMR"]["why not"] and rows["KEN"]["why not"]
    # Retried: the first request and CONTINUITY_ETOOLS_RETRIES (3) more.
    assert [a.schema for a in etools.asked_for("interventions")].count("CMR") == 1 + 4


def test_a_transient_error_is_retried_and_the_workspace_syncs(etools: EtoolsStandIn) -> None:
    etools.fail("CMR", "partners", "500", times=2)
    etools.fail("KEN", "interventions", "half", times=1)
    state = sync()
    assert state.is_completed(), state.message
    assert [a.schema for a in etools.asked_for("partners")].count("CMR") == 3


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        ("silence", "did not answer within 1 s"),
        ("html", "web page"),
        ("header", "header is not that of eTools' programme document export"),
        ("403", "refused access (HTTP 403"),
        ("redirect", "redirect"),
    ],
)
def test_each_fault_skips_its_workspace_whole_with_the_reason(
    etools: EtoolsStandIn, engine: Engine, fault: str, said: str
) -> None:
    etools.fail("KEN", "interventions", fault)
    state = sync()
    assert state.is_failed()
    assert "KEN not synced: the programme document export: " in str(state.message)
    assert said in str(state.message)
    assert stored(engine, "KEN") == {
        "partners": [],
        "contacts": [],
        "partnerships": [],
        "plans": [],
    }
    rows = {row["workspace"]: row["synced"] for row in json.loads(latest_artifact("etools-sync"))}
    assert rows == {"SEN": "yes", "CMR": "yes", "KEN": "no: nothing of it changed"}


def test_a_refused_token_fails_plainly_is_not_retried_and_changes_nothing(
    etools: EtoolsStandIn, engine: Engine
) -> None:
    assert sync().is_completed()
    before, count = stored(engine), len(etools.asked)
    etools.token = "another-token-entirely"
    state = sync()
    assert state.is_failed()
    assert "eTools refused the token (HTTP 401" in str(state.message)
    assert "nothing was imported" in str(state.message)
    assert len(etools.asked) == count + 1
    assert stored(engine) == before


def test_a_partnership_ended_since_the_last_sync_is_ended_with_its_follow_ups(
    etools: EtoolsStandIn, engine: Engine
) -> None:
    reference = "KEN/PCA2020015/PD2024007"
    assert sync().is_completed()
    partners, interventions = recorded_rows(etools, "KEN")
    rerecord(etools, "KEN", partners, edited(interventions, reference, Status="ended"))
    state = sync()
    assert state.is_completed(), state.message
    with transaction(engine) as session:
        partnership = session.scalars(
            select(Partnership).where(Partnership.reference_number == reference)
        ).one()
        assert partnership.status == InterventionStatus.ENDED
        plans = session.scalars(
            select(FollowUpPlan).where(FollowUpPlan.partnership_id == partnership.id)
        ).all()
        assert plans and all(plan.active for plan in plans)
    assert f"{reference}: status active → ended" in latest_artifact("etools-sync-changes").replace(
        "\\", ""
    )


def test_the_changes_artifact_lists_partnerships_and_contacts_by_number(
    etools: EtoolsStandIn, engine: Engine
) -> None:
    assert sync().is_completed()
    partners, interventions = recorded_rows(etools, "SEN")
    asef = partners[0]
    staff = asef["Staff Members"].split("), ")
    partners[0] = {**asef, "Staff Members": "), ".join(staff[1:])}
    rerecord(etools, "SEN", partners, interventions)
    assert sync().is_completed()
    with transaction(engine) as session:
        gone = session.scalars(select(Contact).where(Contact.active.is_(False))).one()
    changes = latest_artifact("etools-sync-changes").replace("\\", "")
    assert f"contact(s) {gone.id} gone" in changes
    assert gone.name not in changes and "@" not in changes


def test_a_dry_run_writes_nothing(etools: EtoolsStandIn, engine: Engine) -> None:
    state = sync(dry_run=True)
    assert state.is_completed(), state.message
    assert state.result()["changes"]["new partnerships"] == 10
    assert stored(engine) == NOTHING


def test_an_answer_for_another_workspace_is_refused(etools: EtoolsStandIn, engine) -> None:
    """eTools answers with the user's own workspace when they may not open the one asked."""
    etools.readable.discard("KEN")
    state = sync()
    assert state.is_failed()
    assert "eTools answered for workspace SEN, not KEN" in str(state.message)
    assert stored(engine, "KEN")["partnerships"] == []


def test_an_empty_partner_export_beside_programme_documents_is_refused(
    etools: EtoolsStandIn,
) -> None:
    _, interventions = recorded_rows(etools, "CMR")
    rerecord(etools, "CMR", [], interventions)
    state = sync()
    assert state.is_failed()
    assert "CMR not synced: the partner export lists no partner" in str(state.message)


def test_an_empty_programme_document_export_after_a_sync_is_refused(
    etools: EtoolsStandIn, engine: Engine
) -> None:
    assert sync().is_completed()
    cameroon = stored(engine, "CMR")
    partners, _ = recorded_rows(etools, "CMR")
    rerecord(etools, "CMR", partners, [])
    state = sync()
    assert "CMR not synced: the programme document export lists none of the 2" in str(state.message)
    assert stored(engine, "CMR") == cameroon


def test_bad_rows_skip_the_workspace_naming_where_not_who(
    etools: EtoolsStandIn, engine: Engine
) -> None:
    partners, interventions = recorded_rows(etools, "CMR")
    partners[0]["Staff Members"] = "Jean-Paul Mbarga (jp.mbarga@@enfance-avenir.example.cm)"
    rerecord(etools, "CMR", partners, interventions)
    state = sync()
    assert state.is_failed()
    message = str(state.message)
    assert "1 problem(s) in eTools' exports; the first in the partner export, line 2" in message
    assert "'Staff Members'" in message and "Mbarga" not in message
    assert stored(engine, "CMR")["partnerships"] == []


def test_a_workspace_code_that_is_no_country_is_given_one_in_the_setting(
    etools: EtoolsStandIn, engine: Engine, sync_env: pytest.MonkeyPatch
) -> None:
    partners, interventions = recorded_rows(etools, "KEN")
    renamed = [
        {**row, "Reference Number": row["Reference Number"].replace("KEN/", "NBO/")}
        for row in interventions
    ]
    etools.workspaces["NBO"] = etools.workspaces.pop("KEN")
    etools.readable = set(etools.workspaces)
    rerecord(etools, "NBO", partners, renamed)
    sync_env.setenv("CONTINUITY_ETOOLS_WORKSPACES", "SEN,CMR,NBO")
    get_settings.cache_clear()
    state = sync()
    assert state.is_failed()
    assert "workspace code 'NBO'" in str(state.message)
    assert "give its country in CONTINUITY_ETOOLS_WORKSPACES as CODE=ISO3" in str(state.message)
    sync_env.setenv("CONTINUITY_ETOOLS_WORKSPACES", "SEN,CMR,NBO=KEN")
    get_settings.cache_clear()
    assert sync().is_completed()
    with transaction(engine) as session:
        query = select(Partnership.country).where(Partnership.reference_number.like("NBO/%"))
        assert set(session.scalars(query)) == {"KEN"}
