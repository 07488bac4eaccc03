from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.engine import transaction
from db.models import Base, Contact, FollowUpPlan, ImportRun, Partner, Partnership, TouchpointKind
from tasks.etools_csv import EtoolsFileError
from tasks.etools_import import import_etools
from tasks.follow_up_policy import DEFAULT_POLICY, FollowUpPolicy, load_policy
from tests.exports import (
    INTERVENTION_HEADER,
    PARTNER_HEADER,
    SAMPLES,
    intervention,
    partner,
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
