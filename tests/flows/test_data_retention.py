"""The data-retention flow on a real Prefect API (the test harness), as `continuity run`
runs it: a year and a month after collection, the unmatched mail has left the database,
the answer stays, and what Prefect keeps of the run is counts."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from continuity.cli.main import app
from db.engine import transaction
from db.inbound import waiting_for_staff
from flows.registry import FLOWS
from tests.artifacts import latest_artifact
from tests.collected import AWA, COLLECTED, UNMATCHED, collect_samples, database_files
from tests.etools.test_importer import snapshot
from tests.flows.test_touchpoint import prefect_texts
from tests.readers import no_wait_for_readers, reading

# A year of retention runs past today.
pytestmark = pytest.mark.usefixtures("prefect_api", "future_runs_allowed")
LATER = COLLECTED + timedelta(days=395)
runner = CliRunner()


@pytest.fixture
def collected(imported: Engine, app_env, tmp_path: Path) -> Engine:
    collect_samples(imported, app_env, tmp_path)
    return imported


def test_the_flow_clears_old_mail_and_prefect_keeps_counts_only(collected: Engine) -> None:
    state = FLOWS["data-retention"](as_of=LATER, return_state=True)
    result = state.result()
    assert result["inbound_mail"] == {
        "auto_reply": 1,
        "bounce": 1,
        "unmatched": 1,
        "unsubscribe": 1,
    }
    texts = prefect_texts(state.state_details.flow_run_id) + json.dumps(result)
    assert "unmatched" in texts
    assert [word for word in (*UNMATCHED, AWA, "Ndiaye") if word in texts] == []
    assert "inbound mail: unmatched" in latest_artifact("data-retention")
    with transaction(collected) as session:
        assert waiting_for_staff(session, 10) == []
    if collected.dialect.name == "sqlite":
        held = database_files(collected)
        assert [word for word in UNMATCHED if word.encode() in held] == []
        assert b"cantines scolaires" in held


def test_the_flow_says_when_a_reader_keeps_the_old_pages(
    collected: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    if collected.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps old row versions until VACUUM (README)")
    no_wait_for_readers(monkeypatch)
    with reading(collected):
        state = FLOWS["data-retention"](as_of=LATER, return_state=True)
    result = state.result()
    assert result["inbound_mail"]["unmatched"] == 1 and result["old_pages_kept"] is True
    logged = prefect_texts(state.state_details.flow_run_id)
    assert "write-ahead log still holds old pages" in logged and "continuity db purge" in logged


def test_continuity_run_prints_the_counts_and_a_dry_run_changes_nothing(
    collected: Engine,
) -> None:
    before = snapshot(collected)
    as_of = LATER.isoformat()
    dry = runner.invoke(app, ["run", "data-retention", "--as-of", as_of, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "unmatched 1" in dry.stdout
    assert snapshot(collected) == before
    done = runner.invoke(app, ["run", "data-retention", "--as-of", as_of])
    assert done.exit_code == 0, done.output
    assert done.stdout == dry.stdout
    again = runner.invoke(app, ["run", "data-retention", "--as-of", as_of])
    assert "inbound mail: none" in again.stdout and "messages: 0" in again.stdout


def test_a_year_is_the_default_and_the_setting_moves_it(collected: Engine, app_env) -> None:
    from tasks.settings import get_settings

    within_a_year = COLLECTED + timedelta(days=200)
    assert FLOWS["data-retention"](as_of=within_a_year)["inbound_mail"] == {}
    app_env.setenv("CONTINUITY_RETAIN_INBOUND_DAYS", "180")
    get_settings.cache_clear()
    assert FLOWS["data-retention"](as_of=within_a_year)["inbound_mail"]["unmatched"] == 1
