"""The etools-sync flow as staff run it: `continuity run etools-sync` prints what it did and
fails naming each workspace not synced; its token, from the environment or a Prefect
Secret block, never reaches Prefect's store; without settings it fails saying which."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import httpx
import pytest
from prefect.blocks.system import Secret
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_LOCAL_STORAGE_PATH,
    PREFECT_RESULTS_PERSIST_BY_DEFAULT,
    temporary_settings,
)
from typer.testing import CliRunner

from continuity.cli.main import app
from tasks.settings import get_settings
from tests.etools.etools_api import TOKEN, EtoolsStandIn
from tests.etools.syncs import sync
from tests.flows.test_prefect_store import prefect_database, variants

pytestmark = pytest.mark.usefixtures("prefect_api")


def readable(result: bytes) -> bytes:
    """A persisted result as stored, and decoded when it is base64 (a pickle)."""
    try:
        return result + base64.b64decode(result, validate=False)
    except ValueError:
        return result


def wait_for_failed(flow_run_id) -> None:
    """Wait until the server stored the failed run's last event (written in batches)."""
    query = {
        "filter": {
            "event": {"name": ["prefect.flow-run.Failed"]},
            "resource": {"id": [f"prefect.flow-run.{flow_run_id}"]},
        }
    }
    deadline = time.monotonic() + 60
    while not httpx.post(f"{PREFECT_API_URL.value()}/events/filter", json=query).json()["events"]:
        assert time.monotonic() < deadline, "the failed run's events were not stored"
        time.sleep(0.5)


def test_continuity_run_prints_the_sync_and_fails_naming_the_workspace(
    sync_env: pytest.MonkeyPatch, etools: EtoolsStandIn
) -> None:
    etools.fail("CMR", "interventions", "500")
    done = CliRunner().invoke(app, ["run", "etools-sync", "--as-of", "2026-06-01T06:00"])
    assert done.exit_code == 1, done.output
    assert "synced: SEN, KEN" in done.output
    assert "CMR not synced: the programme document export: eTools answered HTTP 500" in (
        " ".join(done.output.split())
    )
    assert TOKEN not in done.output


def test_the_token_is_nowhere_in_prefects_store(
    sync_env: pytest.MonkeyPatch, etools: EtoolsStandIn, tmp_path: Path
) -> None:
    stored = tmp_path / "results"
    persisted = {PREFECT_RESULTS_PERSIST_BY_DEFAULT: True, PREFECT_LOCAL_STORAGE_PATH: stored}
    with temporary_settings(persisted):
        states = [sync(dry_run=True), sync()]
        etools.fail("CMR", "interventions", "500")
        etools.fail("KEN", "partners", "half")
        states.append(sync())
        etools.fail("SEN", "users", "401")
        states.append(sync())
        etools.heal()
        etools.token = "a-token-the-stand-in-now-expects"
        states.append(sync())
    assert [state.is_completed() for state in states] == [True, True, False, False, False]
    wait_for_failed(states[-1].state_details.flow_run_id)
    results = [readable(path.read_bytes()) for path in stored.rglob("*") if path.is_file()]
    held = prefect_database() + b"".join(results)
    assert b"etools-sync" in held and b"HTTP 500" in held
    assert not any(variant in held for variant in variants(TOKEN))


def test_a_prefect_secret_block_holds_the_token(
    sync_env: pytest.MonkeyPatch, etools: EtoolsStandIn
) -> None:
    Secret(value=TOKEN).save("etools-api-token", overwrite=True)
    sync_env.delenv("CONTINUITY_ETOOLS_TOKEN")
    sync_env.setenv("CONTINUITY_ETOOLS_TOKEN_BLOCK", "etools-api-token")
    get_settings.cache_clear()
    state = sync()
    assert state.is_completed(), state.message
    assert {asked.authorization for asked in etools.asked} == {f"Token {TOKEN}"}
    sync_env.setenv("CONTINUITY_ETOOLS_TOKEN_BLOCK", "no-such-block")
    get_settings.cache_clear()
    state = sync()
    assert state.is_failed()
    assert "the Prefect Secret block 'no-such-block' cannot be read" in str(state.message)


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({}, "nothing to sync: set CONTINUITY_ETOOLS_URL and CONTINUITY_ETOOLS_WORKSPACES"),
        (
            {"CONTINUITY_ETOOLS_URL": "https://etools.example.org"},
            "CONTINUITY_ETOOLS_WORKSPACES is not set",
        ),
        (
            {
                "CONTINUITY_ETOOLS_URL": "https://etools.example.org",
                "CONTINUITY_ETOOLS_WORKSPACES": "SEN",
            },
            "no eTools token: set CONTINUITY_ETOOLS_TOKEN",
        ),
    ],
)
def test_a_sync_without_its_settings_fails_naming_them(
    app_env: pytest.MonkeyPatch, settings: dict[str, str], said: str
) -> None:
    for name, value in settings.items():
        app_env.setenv(name, value)
    get_settings.cache_clear()
    state = sync()
    assert state.is_failed()
    assert said in str(state.message)
