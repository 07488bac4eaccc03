from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from continuity.cli.main import app
from tests.exports import (
    INTERVENTION_HEADER,
    PARTNER_HEADER,
    SAMPLES,
    intervention,
    partner,
    write_export,
)

runner = CliRunner()
SAMPLE_ARGS = [
    "import",
    "etools",
    "--partners",
    str(SAMPLES / "partners.csv"),
    "--interventions",
    str(SAMPLES / "interventions.csv"),
]


@pytest.fixture
def cli(settings_env: pytest.MonkeyPatch, database_url: str):
    settings_env.setenv("CONTINUITY_DATABASE_URL", database_url)

    def invoke(*args: str):
        return runner.invoke(app, list(args))

    return invoke


def status_json(cli) -> dict:
    result = cli("status", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_every_command_has_help(cli) -> None:
    for command in [
        [],
        ["db"],
        ["db", "upgrade"],
        ["import"],
        ["import", "etools"],
        ["status"],
        ["demo"],
    ]:
        result = cli(*command, "--help")
        assert result.exit_code == 0, command
        assert "Usage" in result.output


def test_import_then_status_reports_what_is_stored(cli) -> None:
    assert cli(*SAMPLE_ARGS).exit_code == 0
    counts = status_json(cli)
    assert {
        "partners",
        "contacts",
        "partnerships",
        "partnerships_by_status",
        "messages_by_status",
        "responses",
    } <= set(counts)
    assert counts["partners"] == 12
    assert counts["contacts"] == 27
    assert counts["partnerships"] == 16
    assert counts["partnerships_by_status"]["ended"] == 6
    assert counts["messages_by_status"] == {}
    assert counts["responses"] == 0 and counts["partner_messages_unhandled"] == 0


def test_reimport_says_nothing_changed(cli) -> None:
    cli(*SAMPLE_ARGS)
    result = cli(*SAMPLE_ARGS)
    assert result.exit_code == 0
    assert "no changes" in result.stdout


def test_a_dry_run_counts_but_writes_nothing(cli) -> None:
    result = cli(*SAMPLE_ARGS, "--dry-run")
    assert result.exit_code == 0
    assert "dry run" in result.stdout
    assert status_json(cli)["partners"] == 0


def test_a_bad_export_prints_file_line_column_and_exits_non_zero(cli, tmp_path: Path) -> None:
    partners = write_export(tmp_path / "p.csv", PARTNER_HEADER, [partner()])
    interventions = write_export(
        tmp_path / "i.csv", INTERVENTION_HEADER, [intervention(Status="over")]
    )
    result = cli(
        "import", "etools", "--partners", str(partners), "--interventions", str(interventions)
    )
    assert result.exit_code == 1
    assert f"{interventions}:2: Status: unknown value 'over'" in result.stderr
    assert "nothing written" in result.stderr
    assert status_json(cli)["partners"] == 0


def test_status_as_of_counts_plans_due_at_that_moment(cli) -> None:
    cli(*SAMPLE_ARGS)
    early = json.loads(cli("status", "--json", "--as-of", "2024-01-01T00:00:00").stdout)
    late = json.loads(cli("status", "--json", "--as-of", "2026-12-01T12:00:00+00:00").stdout)
    assert early["plans_due"] == 0
    assert late["plans_due"] > 0
    assert cli("status", "--as-of", "yesterday").exit_code == 2


def test_it_refuses_an_unmigrated_database(
    settings_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings_env.setenv("CONTINUITY_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 2
    assert "run `continuity db upgrade`" in result.stderr


def test_a_bad_setting_stops_every_command_with_one_line(settings_env: pytest.MonkeyPatch) -> None:
    settings_env.setenv("CONTINUITY_TIMEZONE", "Nowhere/Land")
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "CONTINUITY_TIMEZONE" in result.stderr


def test_the_installed_console_script_runs_the_demo_on_a_fresh_directory(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONTINUITY_")}
    script = Path(sys.executable).parent / "continuity"

    def demo_status() -> dict:
        demo_db = {"CONTINUITY_DATABASE_URL": f"sqlite:///{tmp_path / 'demo' / 'continuity.db'}"}
        shown = subprocess.run(
            [script, "status", "--json"],
            cwd=tmp_path,
            env=env | demo_db,
            capture_output=True,
            text=True,
        )
        counts = json.loads(shown.stdout)
        counts.pop("last_import")
        return counts

    result = subprocess.run(
        [script, "demo"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    assert "The demo lives in" in result.stdout
    counts = demo_status()
    assert counts["partners"] == 12
    assert (
        counts["messages_by_status"]["sent"] > 50 and counts["messages_by_status"]["bounced"] == 1
    )
    assert counts["contacts_opted_out"] == 1 and counts["contacts_suppressed"] == 1
    assert counts["responses"] > 20
    assert 0 < counts["partner_messages_unhandled"] < counts["responses"]
    assert counts["staff_directory"] == 3
    sent = counts["messages_by_status"]["sent"]
    published = "public pages (acknowledgements per country): {'col': 1, 'ken': 1, 'sen': 1}"
    assert published in result.stdout
    assert (tmp_path / "demo" / "public" / "ken.html").exists() and sent > 100
    elsewhere = env | {"CONTINUITY_DATABASE_URL": f"sqlite:///{tmp_path / 'production.db'}"}
    rerun = subprocess.run(
        [script, "demo"], cwd=tmp_path, env=elsewhere, capture_output=True, text=True, timeout=600
    )
    assert rerun.returncode == 0, rerun.stderr
    assert demo_status() == counts
    assert not (tmp_path / "production.db").exists()
