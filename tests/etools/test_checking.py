"""A partner's country is that of its partnership ending last, whichever workspace's
export holds it: importing one workspace after another gives a partner both list the
same country, name and time zone, and the plans of all its partnerships follow."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from db.engine import transaction
from db.models import FollowUpPlan, Partner, Partnership, TouchpointKind
from tests.etools.test_importer import run_import
from tests.exports import INTERVENTION_HEADER, PARTNER_HEADER, intervention, partner, write_export

VENDOR = "2500900001"


def import_workspace(engine: Engine, tmp_path: Path, code: str, end: str, **cells: str) -> dict:
    partners = write_export(tmp_path / f"p-{code}.csv", PARTNER_HEADER, [partner(**cells)])
    row = intervention(f"{code}/PCA2021001/PD2021001", **{"End Date": end})
    interventions = write_export(tmp_path / f"i-{code}.csv", INTERVENTION_HEADER, [row])
    return run_import(engine, partners, interventions)


def stored_partner(engine: Engine) -> tuple[str | None, str, str]:
    with transaction(engine) as session:
        found = session.scalars(select(Partner).where(Partner.vendor_number == VENDOR)).one()
        return found.country, found.time_zone, found.short_name


def test_the_workspace_whose_partnership_ends_last_gives_country_and_name(
    engine: Engine, tmp_path: Path
) -> None:
    import_workspace(engine, tmp_path, "SEN", "2024-12-31", **{"Short Name": "ASEF"})
    import_workspace(engine, tmp_path, "KEN", "2025-06-30", **{"Short Name": "ASEF Kenya"})
    assert stored_partner(engine) == ("KEN", "Africa/Nairobi", "ASEF Kenya")
    counts = import_workspace(engine, tmp_path, "SEN", "2024-12-31", **{"Short Name": "ASEF"})
    assert stored_partner(engine) == ("KEN", "Africa/Nairobi", "ASEF Kenya")
    assert counts["partners"] == {"unchanged": 1}
    assert counts["plans"] == {"unchanged": 3}


def test_the_plans_of_every_partnership_follow_the_partners_new_time_zone(
    engine: Engine, tmp_path: Path
) -> None:
    import_workspace(engine, tmp_path, "SEN", "2024-12-31")
    counts = import_workspace(engine, tmp_path, "KEN", "2025-06-30")
    assert counts["plans"] == {"created": 3, "updated": 3}
    with transaction(engine) as session:
        senegal = session.scalars(
            select(FollowUpPlan)
            .join(FollowUpPlan.partnership)
            .where(
                Partnership.country == "SEN",
                FollowUpPlan.kind == TouchpointKind.SUSTAINABILITY_CHECKIN,
            )
        ).one()
        # 10:00 in Nairobi, on the day six months after the Senegalese end date.
        assert senegal.next_due_at is not None
        assert senegal.next_due_at.isoformat() == "2025-06-30T07:00:00+00:00"


def test_a_partnership_left_out_of_its_export_moves_no_partner(
    engine: Engine, tmp_path: Path
) -> None:
    import_workspace(engine, tmp_path, "SEN", "2024-12-31")
    import_workspace(engine, tmp_path, "KEN", "2025-06-30", **{"Short Name": "ASEF Kenya"})
    other = intervention("KEN/PCA2021001/PD2021002", "2500900002", **{"End Date": "2025-01-31"})
    interventions = write_export(tmp_path / "i-KEN-2.csv", INTERVENTION_HEADER, [other])
    more = write_export(
        tmp_path / "p-KEN-2.csv", PARTNER_HEADER, [partner(), partner("2500900002")]
    )
    counts = run_import(engine, more, interventions)
    assert stored_partner(engine)[:2] == ("KEN", "Africa/Nairobi")
    assert counts["plans"] == {"created": 3}
