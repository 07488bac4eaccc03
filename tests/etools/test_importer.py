from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from continuity.cli.main import app
from db.engine import transaction
from db.models import Base, Contact, FollowUpPlan, ImportRun, Partner, Partnership, TouchpointKind
from tasks.countries import Workspaces
from tasks.etools import importer as etools_import
from tasks.etools.files import EtoolsFileError
from tasks.etools.importer import import_etools
from tasks.follow_up_policy import DEFAULT_POLICY, FollowUpPolicy, load_policy
from tasks.staff.focal_points import UNICEF_VENDOR_NUMBER, staff_contact
from tests.exports import (
    INTERVENTION_HEADER,
    PARTNER_HEADER,
    SAMPLES,
    intervention,
    lebanon_rows,
    partner,
    philippines_rows,
    write_export,
)

POLICY = load_policy()


def run_import(
    engine: Engine, partners: Path, interventions: Path, policy: FollowUpPolicy = POLICY
):
    with transaction(engine) as session:
        return import_etools(session, partners, interventions, policy).as_dict()


def import_samples(engine: Engine) -> dict:
    return run_import(engine, SAMPLES / "partners.csv", SAMPLES / "interventions.csv")


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every domain row, every column (timestamps included)."""
    with transaction(engine) as session:
        return {
            table.name: [tuple(row) for row in session.execute(select(table).order_by(table.c.id))]
            for table in Base.metadata.sorted_tables
            if table.name != "import_runs"
        }


def one(session: Session, model, **where):
    return session.scalars(select(model).filter_by(**where)).one()


def test_it_imports_the_samples_with_country_language_and_time_zone(engine: Engine) -> None:
    counts = import_samples(engine)
    assert counts["partners"] == {"created": 12}
    assert counts["partnerships"] == {"created": 16}
    assert counts["contacts"] == {"created": 27}
    with transaction(engine) as session:
        senegal = one(session, Partner, vendor_number="2500211001")
        assert (senegal.country, senegal.language, senegal.time_zone) == (
            "SEN",
            "fr",
            "Africa/Dakar",
        )
        colombia = one(session, Partner, vendor_number="2500211004")
        assert (colombia.language, colombia.time_zone) == ("es", "America/Bogota")
        bangladesh = one(session, Partner, vendor_number="2500211010")
        assert bangladesh.language == "en"
        contact = one(session, Contact, email="mt.ndiaye@rjsc-kolda.example.org")
        assert (contact.name, contact.language, contact.active) == (
            "Marie-Thérèse N'Diaye",
            "fr",
            True,
        )


def test_only_ended_partnerships_get_follow_up_plans(engine: Engine) -> None:
    import_samples(engine)
    with transaction(engine) as session:
        planned = {plan.partnership.status for plan in session.scalars(select(FollowUpPlan))}
        ended = session.scalars(
            select(Partnership).where(Partnership.status.in_(["ended", "closed", "terminated"]))
        ).all()
        assert planned == {"ended", "closed", "terminated"}
        assert session.query(FollowUpPlan).count() == len(ended) * len(POLICY.touchpoints)


def test_plans_follow_the_policy_in_the_partner_time_zone(engine: Engine) -> None:
    import_samples(engine)
    dakar = ZoneInfo("Africa/Dakar")
    with transaction(engine) as session:
        partnership = one(session, Partnership, reference_number="SEN/PCA2021001/PD2021004")
        plans = {plan.kind: plan for plan in partnership.plans}
    checkin = plans[TouchpointKind.SUSTAINABILITY_CHECKIN]
    assert checkin.cadence == "every 6 months at 10:00"
    assert checkin.next_due_at == datetime(2025, 6, 30, 10, tzinfo=dakar)
    assert checkin.ends_at == datetime(2027, 12, 31, tzinfo=dakar)
    assert plans[TouchpointKind.POLICY_DIGEST].next_due_at == datetime(2025, 2, 1, 10, tzinfo=dakar)
    assert plans[TouchpointKind.CONSULTATION_INVITATION].next_due_at is None


def test_reimporting_the_same_files_changes_nothing_and_says_so(engine: Engine) -> None:
    import_samples(engine)
    before = snapshot(engine)
    counts = import_samples(engine)
    assert snapshot(engine) == before
    assert set(counts) == {"partners", "contacts", "partnerships", "plans"}
    assert all(set(outcomes) == {"unchanged"} for outcomes in counts.values())
    with transaction(engine) as session:
        assert session.query(ImportRun).count() == 2


def test_a_later_export_updates_adds_and_deactivates(engine: Engine, tmp_path: Path) -> None:
    staff = "Awa Diop (awa@example.org), Binta Fall (binta@example.org)"
    partners = write_export(
        tmp_path / "p1.csv", PARTNER_HEADER, [partner(**{"Staff Members": staff})]
    )
    first = write_export(tmp_path / "i1.csv", INTERVENTION_HEADER, [intervention(Status="active")])
    run_import(engine, partners, first)
    with transaction(engine) as session:
        assert session.query(FollowUpPlan).count() == 0
        one(session, Contact, email="binta@example.org").opted_out_at = datetime(
            2026, 1, 1, tzinfo=UTC
        )

    staff = "Binta Fall (binta@example.org), Coumba Ba (coumba@example.org)"
    partners = write_export(
        tmp_path / "p2.csv", PARTNER_HEADER, [partner(**{"Staff Members": staff})]
    )
    ended = write_export(
        tmp_path / "i2.csv",
        INTERVENTION_HEADER,
        [intervention(Status="ended", **{"End Date": "2025-06-30"})],
    )
    counts = run_import(engine, partners, ended)
    assert counts["contacts"] == {"created": 1, "unchanged": 1, "deactivated": 1}
    assert counts["partnerships"] == {"updated": 1}
    assert counts["plans"] == {"created": len(POLICY.touchpoints)}
    with transaction(engine) as session:
        awa = one(session, Contact, email="awa@example.org")
        binta = one(session, Contact, email="binta@example.org")
        assert awa.active is False
        assert binta.opted_out_at == datetime(2026, 1, 1, tzinfo=UTC)
        assert (
            one(session, Partnership, reference_number="SEN/PCA2021001/PD2021001").status == "ended"
        )


def test_a_reimport_in_the_other_form_of_an_address_keeps_its_contact(
    engine: Engine, tmp_path: Path
) -> None:
    """A contact stored with its domain in punycode (by an earlier release, or by hand) is
    the same person when eTools writes the domain in Unicode: one contact, not two."""
    interventions = write_export(tmp_path / "i.csv", INTERVENTION_HEADER, [intervention()])
    staff = "Abdoulaye Diallo (a.diallo@école-kolda.sn)"
    partners = write_export(
        tmp_path / "p.csv", PARTNER_HEADER, [partner(**{"Staff Members": staff})]
    )
    run_import(engine, partners, interventions)
    with transaction(engine) as session:
        one(
            session, Contact, email="a.diallo@école-kolda.sn"
        ).email = "A.Diallo@xn--cole-kolda-96a.sn"
    counts = run_import(engine, partners, interventions)
    assert counts["contacts"] == {"unchanged": 1}
    with transaction(engine) as session:
        assert session.query(Contact).count() == 1


def test_a_returning_staff_member_is_reactivated(engine: Engine, tmp_path: Path) -> None:
    interventions = write_export(tmp_path / "i.csv", INTERVENTION_HEADER, [intervention()])
    for name, staff in [
        ("a", "Awa (awa@example.org)"),
        ("b", "Binta (b@example.org)"),
        ("c", "Awa (awa@example.org)"),
    ]:
        run_import(
            engine,
            write_export(
                tmp_path / f"{name}.csv", PARTNER_HEADER, [partner(**{"Staff Members": staff})]
            ),
            interventions,
        )
    with transaction(engine) as session:
        assert one(session, Contact, email="awa@example.org").active is True
        assert one(session, Contact, email="b@example.org").active is False


def test_a_changed_end_date_moves_the_plans(engine: Engine, tmp_path: Path) -> None:
    partners = write_export(tmp_path / "p.csv", PARTNER_HEADER, [partner()])
    run_import(
        engine, partners, write_export(tmp_path / "i1.csv", INTERVENTION_HEADER, [intervention()])
    )
    later = write_export(
        tmp_path / "i2.csv", INTERVENTION_HEADER, [intervention(**{"End Date": "2025-12-31"})]
    )
    counts = run_import(engine, partners, later)
    assert counts["plans"] == {"updated": len(POLICY.touchpoints)}
    with transaction(engine) as session:
        checkin = one(session, FollowUpPlan, kind=TouchpointKind.SUSTAINABILITY_CHECKIN)
        assert checkin.next_due_at == datetime(2026, 6, 30, 10, tzinfo=ZoneInfo("Africa/Dakar"))


def test_a_partnership_no_longer_ended_has_its_plans_deactivated(
    engine: Engine, tmp_path: Path
) -> None:
    partners = write_export(tmp_path / "p.csv", PARTNER_HEADER, [partner()])
    run_import(
        engine, partners, write_export(tmp_path / "i1.csv", INTERVENTION_HEADER, [intervention()])
    )
    reopened = write_export(
        tmp_path / "i2.csv", INTERVENTION_HEADER, [intervention(Status="active")]
    )
    assert run_import(engine, partners, reopened)["plans"] == {
        "deactivated": len(POLICY.touchpoints)
    }


def test_a_new_policy_version_realigns_existing_plans(engine: Engine, tmp_path: Path) -> None:
    import_samples(engine)
    newer = tmp_path / "policy.toml"
    newer.write_text(
        DEFAULT_POLICY.read_text()
        .replace("version = 1", "version = 2")
        .replace("every 6 months", "every 12 months")
    )
    counts = run_import(
        engine, SAMPLES / "partners.csv", SAMPLES / "interventions.csv", load_policy(newer)
    )
    assert counts["plans"] == {"updated": 33}
    with transaction(engine) as session:
        plans = session.scalars(select(FollowUpPlan)).all()
        assert {plan.policy_version for plan in plans} == {2}
        checkins = [plan for plan in plans if plan.kind == TouchpointKind.SUSTAINABILITY_CHECKIN]
        assert {plan.cadence for plan in checkins} == {"every 12 months at 10:00"}


def test_a_staff_correction_of_the_language_survives_reimport(engine: Engine) -> None:
    import_samples(engine)
    with transaction(engine) as session:
        one(session, Partner, vendor_number="2500211003").language = "en"
    import_samples(engine)
    with transaction(engine) as session:
        assert one(session, Partner, vendor_number="2500211003").language == "en"


@pytest.mark.parametrize(
    "bad_row",
    [
        intervention("SEN/X/9", Status="bogus"),
        intervention("SEN/X/9", **{"End Date": "31/12/2024"}),
        intervention("SEN/X/9", vendor="9999999999"),
        intervention("SEN/X/9", **{"End Date": ""}),
        intervention(),
    ],
    ids=["unknown status", "bad date", "unknown partner", "ended without end date", "duplicate"],
)
@pytest.mark.faults
def test_any_bad_row_aborts_the_whole_import(engine: Engine, tmp_path: Path, bad_row: dict) -> None:
    partners = write_export(tmp_path / "p.csv", PARTNER_HEADER, [partner()])
    rows = [intervention(), intervention("SEN/X/2"), bad_row]
    interventions = write_export(tmp_path / "i.csv", INTERVENTION_HEADER, rows)
    with pytest.raises(EtoolsFileError) as raised:
        run_import(engine, partners, interventions)
    assert all(problem.line == 4 for problem in raised.value.problems)
    assert all(rows == [] for rows in snapshot(engine).values())


def test_an_invalid_email_aborts_the_import_and_names_the_cell(
    engine: Engine, tmp_path: Path
) -> None:
    partners = write_export(
        tmp_path / "p.csv",
        PARTNER_HEADER,
        [partner(), partner("2", **{"Staff Members": "X (x@@y)"})],
    )
    interventions = write_export(tmp_path / "i.csv", INTERVENTION_HEADER, [intervention()])
    with pytest.raises(EtoolsFileError, match=r"p\.csv:3: Staff Members: invalid e-mail"):
        run_import(engine, partners, interventions)
    assert all(rows == [] for rows in snapshot(engine).values())


def philippines_partner() -> dict[str, str]:
    staff = "Maria Clara Dela Cruz (mc.delacruz@bayanihan.example.org), Jose Rizal Santos"
    return partner("2500237821", **{"Staff Members": staff})


def test_it_imports_a_philippines_export_with_the_phi_prefix(
    engine: Engine, tmp_path: Path
) -> None:
    partners = write_export(tmp_path / "p.csv", PARTNER_HEADER, [philippines_partner()])
    interventions = write_export(tmp_path / "i.csv", INTERVENTION_HEADER, philippines_rows())
    counts = run_import(engine, partners, interventions)
    assert counts["partnerships"] == {"created": 2}
    with transaction(engine) as session:
        found = one(session, Partner, vendor_number="2500237821")
        assert (found.country, found.language, found.time_zone) == ("PHL", "en", "Asia/Manila")
        amended = one(session, Partnership, reference_number="PHI/PCA2019106/PD2022214-1")
        assert (amended.country, amended.offices) == ("PHL", ["Manila"])
        assert len(amended.plans) == len(POLICY.touchpoints)


def test_it_imports_a_leba_export_as_lebanon(engine: Engine, tmp_path: Path) -> None:
    partners = write_export(tmp_path / "p.csv", PARTNER_HEADER, [partner("2500240010")])
    interventions = write_export(tmp_path / "i.csv", INTERVENTION_HEADER, lebanon_rows())
    run_import(engine, partners, interventions)
    with transaction(engine) as session:
        found = one(session, Partner, vendor_number="2500240010")
        assert (found.country, found.time_zone) == ("LBN", "Asia/Beirut")
        spd = one(session, Partnership, reference_number="LEBA/PCA2018001/SPD201802")
        assert (spd.country, spd.document_type) == ("LBN", "SPD")


def test_a_mixed_export_imports_each_row_with_its_country(engine: Engine, tmp_path: Path) -> None:
    partners = write_export(
        tmp_path / "p.csv",
        PARTNER_HEADER,
        [partner(), philippines_partner(), partner("2500240010")],
    )
    rows = [intervention(), *philippines_rows(), *lebanon_rows()]
    interventions = write_export(tmp_path / "i.csv", INTERVENTION_HEADER, rows)
    assert run_import(engine, partners, interventions)["partners"] == {"created": 3}
    with transaction(engine) as session:
        by_vendor = {p.vendor_number: p.country for p in session.scalars(select(Partner))}
    assert by_vendor == {"2500900001": "SEN", "2500237821": "PHL", "2500240010": "LBN"}


def test_a_command_line_code_wins_over_the_mapping_file(engine: Engine, tmp_path: Path) -> None:
    partners = write_export(tmp_path / "p.csv", PARTNER_HEADER, [philippines_partner()])
    interventions = write_export(tmp_path / "i.csv", INTERVENTION_HEADER, philippines_rows())
    policy = POLICY
    with transaction(engine) as session:
        workspaces = Workspaces.load({"PHI": "IDN"})
        import_etools(session, partners, interventions, policy, workspaces)
    with transaction(engine) as session:
        found = one(session, Partner, vendor_number="2500237821")
        assert (found.country, found.time_zone) == ("IDN", "Asia/Jakarta")


def test_an_unknown_workspace_code_aborts_the_import_naming_both_fixes(
    engine: Engine, tmp_path: Path
) -> None:
    partners = write_export(tmp_path / "p.csv", PARTNER_HEADER, [partner()])
    rows = [intervention(), intervention("ZZQA/PCA2019001/PD2020001")]
    interventions = write_export(tmp_path / "i.csv", INTERVENTION_HEADER, rows)
    with pytest.raises(EtoolsFileError) as raised:
        run_import(engine, partners, interventions)
    (problem,) = raised.value.problems
    assert str(problem).startswith(f"{interventions}:3: Reference Number: workspace code 'ZZQA'")
    assert "--country-code ZZQA=ISO3" in str(problem)
    assert "etools-workspaces.toml" in str(problem)
    assert all(rows == [] for rows in snapshot(engine).values())


def test_a_large_import_goes_batch_by_batch_and_reimports_unchanged(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tasks.etools.importer.BATCH", 40)
    vendors = [f"25009{n:05d}" for n in range(60)]
    partners = write_export(tmp_path / "p.csv", PARTNER_HEADER, [partner(v) for v in vendors])
    rows = [
        intervention(f"{code}/PCA2020{n % 7}/PD2021{n}", vendors[n % 60])
        for n, code in enumerate(["SEN", "PHI", "LEBA", "COL"] * 50)
    ]
    interventions = write_export(tmp_path / "i.csv", INTERVENTION_HEADER, rows)
    with transaction(engine) as session:
        counts = import_etools(session, partners, interventions, POLICY).as_dict()
        # Each batch was let go of: the session does not hold the 200 partnerships.
        assert len(session.identity_map) < 40
    assert counts["partnerships"] == {"created": 200}
    assert counts["plans"] == {"created": 200 * len(POLICY.touchpoints)}
    assert counts["contacts"] == {"created": 60}
    before = snapshot(engine)
    again = run_import(engine, partners, interventions)
    assert snapshot(engine) == before
    assert all(set(outcomes) == {"unchanged"} for outcomes in again.values())


def test_a_file_changed_during_the_import_leaves_nothing_written(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    partners = write_export(tmp_path / "p.csv", PARTNER_HEADER, [partner()])
    interventions = write_export(tmp_path / "i.csv", INTERVENTION_HEADER, [intervention()])
    sync_partners = etools_import._sync_partners

    def then_append(*args, **kwargs):
        known = sync_partners(*args, **kwargs)
        more = [intervention(), intervention("SEN/X/2")]
        write_export(interventions, INTERVENTION_HEADER, more)
        return known

    monkeypatch.setattr(etools_import, "_sync_partners", then_append)
    with pytest.raises(EtoolsFileError) as raised:
        run_import(engine, partners, interventions)
    assert "changed while it was being imported" in str(raised.value)
    assert all(rows == [] for rows in snapshot(engine).values())


def test_the_import_run_records_each_file_fingerprint(engine: Engine, tmp_path: Path) -> None:
    import_samples(engine)
    with transaction(engine) as session:
        run = session.scalars(select(ImportRun)).one()
    expected = hashlib.sha256((SAMPLES / "partners.csv").read_bytes()).hexdigest()
    assert run.files[str(SAMPLES / "partners.csv")] == expected


@pytest.fixture
def cli(settings_env: pytest.MonkeyPatch, database_url: str):
    settings_env.setenv("CONTINUITY_DATABASE_URL", database_url)

    def invoke(*args: str):
        return CliRunner().invoke(app, ["import", "etools", *args])

    return invoke


def test_the_command_takes_workspace_codes_and_the_office_country(
    cli, engine: Engine, tmp_path: Path
) -> None:
    partners = write_export(tmp_path / "p.csv", PARTNER_HEADER, [partner(), philippines_partner()])
    rows = [intervention("/PCA2019106/PD2022214"), *philippines_rows()]
    interventions = write_export(tmp_path / "i.csv", INTERVENTION_HEADER, rows)
    files = ["--partners", str(partners), "--interventions", str(interventions)]
    refused = cli(*files)
    assert refused.exit_code == 1
    assert "have no workspace code before the first '/'" in refused.stderr
    assert "--country ISO3" in refused.stderr
    result = cli(*files, "--country-code", "PHI=IDN", "--country", "ken")
    assert result.exit_code == 0, result.output
    with transaction(engine) as session:
        by_vendor = {p.vendor_number: p.country for p in session.scalars(select(Partner))}
    assert by_vendor == {"2500900001": "KEN", "2500237821": "IDN"}


def test_the_command_reads_an_excel_unicode_text_resave(
    cli, engine: Engine, tmp_path: Path
) -> None:
    partners = write_export(
        tmp_path / "p.txt", PARTNER_HEADER, [philippines_partner()], False, "utf-16", "\t"
    )
    interventions = write_export(
        tmp_path / "i.txt", INTERVENTION_HEADER, philippines_rows(), False, "utf-16", "\t"
    )
    result = cli("--partners", str(partners), "--interventions", str(interventions))
    assert result.exit_code == 0, result.stderr
    assert status_partnerships(engine) == 2


def status_partnerships(engine: Engine) -> int:
    with transaction(engine) as session:
        return session.query(Partnership).count()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--country-code", "PHI"], "--country-code: 'PHI' must read CODE=ISO3"),
        (["--country-code", "PHI=XXX"], "--country-code: 'XXX' is not an ISO 3166 alpha-3"),
        (["--country-code", "A" * 5000], "at most 32"),
        (["--country-code", "\x1b[2J=PHL"], "must be 1 to 10 letters"),
        (["--country", "Philippines"], "--country: 'Philippines' is not an ISO 3166 alpha-3"),
        (["--country", ""], "--country: '' is not an ISO 3166 alpha-3"),
    ],
)
def test_the_command_refuses_bad_workspace_options_clearly(
    cli, tmp_path: Path, options: list[str], message: str
) -> None:
    files = ["--partners", str(SAMPLES / "partners.csv")]
    result = cli(*files, "--interventions", str(SAMPLES / "interventions.csv"), *options)
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())
    assert "\x1b" not in result.stderr and len(result.stderr) < 400


def test_an_export_naming_unicefs_own_row_aborts_the_import(engine: Engine, tmp_path: Path) -> None:
    with transaction(engine) as session:
        staff_contact(session, "ops@unicef.example.org", "en")
    before = snapshot(engine)
    partners = write_export(tmp_path / "p.csv", PARTNER_HEADER, [partner(UNICEF_VENDOR_NUMBER)])
    rows = [intervention(vendor=UNICEF_VENDOR_NUMBER)]
    interventions = write_export(tmp_path / "i.csv", INTERVENTION_HEADER, rows)
    with pytest.raises(EtoolsFileError) as raised:
        run_import(engine, partners, interventions)
    assert [(p.file, p.line, p.column) for p in raised.value.problems] == [
        (str(partners), 2, "Vendor Number"),
        (str(interventions), 2, "Vendor Number"),
    ]
    assert "UNICEF's own row" in str(raised.value)
    assert snapshot(engine) == before
