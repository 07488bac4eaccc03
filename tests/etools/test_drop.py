"""The drop folder (CONTINUITY_ETOOLS_DROP): the newest pair of exports is imported by the
same flow, then moved to imported/ with the date; what cannot be imported goes to
rejected/ with the reason beside it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from db.engine import transaction
from db.models import Partnership
from tasks.settings import get_settings
from tests.etools.etools_api import recorded_workspaces
from tests.etools.syncs import NOW, sync
from tests.exports import SAMPLES

pytestmark = pytest.mark.usefixtures("prefect_api")
DAY = NOW.date().isoformat()


@pytest.fixture
def drop(app_env: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    folder = tmp_path / "OneDrive - UNICEF" / "eTools exports"
    folder.mkdir(parents=True)
    app_env.setenv("CONTINUITY_ETOOLS_DROP", str(folder))
    get_settings.cache_clear()
    return folder


def dropped(folder: Path, name: str, text: str | bytes, age: int = 0) -> Path:
    """Write a file as a synced folder brings it, `age` minutes old."""
    path = folder / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    moment = NOW.timestamp() - age * 60
    os.utime(path, (moment, moment))
    return path


def partnerships(engine: Engine) -> int:
    with transaction(engine) as session:
        return session.scalar(select(func.count()).select_from(Partnership)) or 0


def listing(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()}


def test_the_newest_pair_is_imported_and_filed_with_the_date(drop: Path, engine: Engine) -> None:
    older = recorded_workspaces("KEN")["KEN"]
    dropped(drop, "partner (1).csv", older.partners, age=60)
    dropped(drop, "PD_budget_as_of_2026_05_01_KEN.csv", older.interventions, age=60)
    dropped(drop, "partner.csv", (SAMPLES / "partners.csv").read_bytes())
    dropped(drop, "PD_budget_as_of_2026_06_01.csv", (SAMPLES / "interventions.csv").read_bytes())
    dropped(drop, "notes.csv", "To do,When\r\nCall Awa,Monday\r\n")
    dropped(drop, "partners.xlsx", b"PK\x03\x04")
    dropped(drop, "~$partner.csv", b"lock")
    state = sync()
    assert state.is_completed(), state.message
    assert partnerships(engine) == 16
    assert listing(drop) == {
        "~$partner.csv",
        f"imported/{DAY} partner.csv",
        f"imported/{DAY} PD_budget_as_of_2026_06_01.csv",
        *(
            f"rejected/{DAY} {name}{suffix}"
            for name in (
                "partner (1).csv",
                "PD_budget_as_of_2026_05_01_KEN.csv",
                "notes.csv",
                "partners.xlsx",
            )
            for suffix in ("", ".reason.txt")
        ),
    }
    reasons = {path.name: path.read_text() for path in (drop / "rejected").glob("*.reason.txt")}
    assert (
        "a newer partner export was dropped too: partner.csv"
        in reasons[f"{DAY} partner (1).csv.reason.txt"]
    )
    assert "neither of eTools' exports" in reasons[f"{DAY} notes.csv.reason.txt"]
    assert "export it from eTools again, as CSV" in reasons[f"{DAY} partners.xlsx.reason.txt"]
    assert "4 file(s) set aside in rejected/" in state.result()["notes"]


def test_a_pair_with_a_bad_row_goes_to_rejected_with_every_problem(
    drop: Path, engine: Engine
) -> None:
    partners = (SAMPLES / "partners.csv").read_text(encoding="utf-8")
    broken = partners.replace("(o.ba@rjsc-kolda.example.org)", "(o.ba@@rjsc-kolda.example.org)")
    dropped(drop, "partner.csv", broken)
    dropped(drop, "interventions.csv", (SAMPLES / "interventions.csv").read_bytes())
    state = sync()
    assert state.is_failed()
    assert "drop folder not synced: 1 problem(s)" in str(state.message)
    assert "o.ba@@" not in str(state.message)
    assert partnerships(engine) == 0
    reason = (drop / "rejected" / f"{DAY} partner.csv.reason.txt").read_text()
    assert f"{drop / 'partner.csv'}:3: Staff Members: invalid e-mail 'o.ba@@" in reason
    assert (drop / "rejected" / f"{DAY} interventions.csv.reason.txt").exists()


def test_half_a_pair_waits_for_the_other_half(drop: Path, engine: Engine) -> None:
    dropped(drop, "partner.csv", (SAMPLES / "partners.csv").read_bytes())
    state = sync()
    assert state.is_completed(), state.message
    assert "partner.csv waits for a programme document export" in state.result()["notes"]
    assert listing(drop) == {"partner.csv"}


def test_a_dry_run_moves_nothing(drop: Path, engine: Engine) -> None:
    dropped(drop, "partner.csv", (SAMPLES / "partners.csv").read_bytes())
    dropped(drop, "interventions.csv", (SAMPLES / "interventions.csv").read_bytes())
    state = sync(dry_run=True)
    assert state.is_completed(), state.message
    assert state.result()["changes"]["new partnerships"] == 16
    assert listing(drop) == {"partner.csv", "interventions.csv"}
    assert partnerships(engine) == 0


def test_a_drop_folder_that_is_not_there_fails_the_run_naming_it(
    drop: Path, engine: Engine
) -> None:
    drop.rmdir()
    state = sync()
    assert state.is_failed()
    assert f"CONTINUITY_ETOOLS_DROP: {drop} cannot be read" in str(state.message)
