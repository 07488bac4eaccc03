"""The demo never touches a configured Prefect server: its report run and artifacts go to
a Prefect of its own, in its folder; its closing hint names what is configured."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prefect import get_client
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_SERVER_API_HOST,
    PREFECT_SERVER_API_PORT,
    temporary_settings,
)
from sqlalchemy import Engine

from continuity.demo_prefect import prefect_hint, prefect_home, publish_report

pytestmark = pytest.mark.usefixtures("prefect_api")
END = datetime(2027, 1, 4, 7, tzinfo=UTC)


def configured_server() -> tuple[int, int]:
    """Return how many runs and artifacts the configured server (the tests') holds."""
    with get_client(sync_client=True) as client:
        return len(client.read_flow_runs(limit=200)), len(client.read_artifacts(limit=200))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the demo's database
def test_its_report_goes_to_its_own_prefect_never_to_the_configured_one(
    imported: Engine, app_env, tmp_path: Path
) -> None:
    configured = PREFECT_API_URL.value()
    assert configured, "the tests' Prefect server is configured"
    before = configured_server()
    publish_report(tmp_path / "demo", END)
    assert configured_server() == before
    assert PREFECT_API_URL.value() == configured
    own = sqlite3.connect(prefect_home(tmp_path / "demo") / "prefect.db")
    runs = own.execute("SELECT name FROM flow WHERE id IN (SELECT flow_id FROM flow_run)")
    assert {name for (name,) in runs} == {"relationship-report"}
    keys = {key for (key,) in own.execute("SELECT key FROM artifact WHERE key IS NOT NULL")}
    assert "relationship-report" in keys
    own.close()


def test_its_hint_names_the_configured_server_or_says_there_is_none(tmp_path: Path) -> None:
    configured = PREFECT_API_URL.value()
    hint = prefect_hint(tmp_path)
    assert f"your Prefect server ({configured}) was not written to" in hint
    assert f"PREFECT_HOME={tmp_path.resolve() / 'prefect'}" in hint
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        hint = prefect_hint(tmp_path)
    assert "no Prefect server is configured (PREFECT_API_URL is unset)" in hint
    assert "http://127.0.0.1:4200" in hint


@pytest.mark.parametrize(
    ("configured", "suggested"),
    [
        ("http://localhost:4200/api", 4201),
        ("http://LOCALHOST:4200/api", 4201),
        ("http://127.0.0.1:4200/api", 4201),
        ("http://127.0.0.2:4200/api", 4201),
        ("http://[::1]:4200/api", 4201),
        ("http://0.0.0.0:4200/api", 4201),
        ("http://127.0.0.1:4300/api", 4200),
        ("http://localhost/api", 4200),
        ("https://prefect.example.org:4200/api", 4200),
        ("http://10.0.0.1:14200/api", 4200),
        ("http://127.0.0.1:99999/api", 4200),
        ("not a url", 4200),
    ],
)
def test_its_hint_never_suggests_the_port_a_configured_local_server_listens_at(
    tmp_path: Path, configured: str, suggested: int
) -> None:
    local = {PREFECT_SERVER_API_HOST: "127.0.0.1", PREFECT_SERVER_API_PORT: 4200}
    with temporary_settings(updates={PREFECT_API_URL: configured, **local}):
        hint = prefect_hint(tmp_path)
    assert f"--host 127.0.0.1 --port {suggested}`, then http://127.0.0.1:{suggested} " in hint
