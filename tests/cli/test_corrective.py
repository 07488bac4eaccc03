from __future__ import annotations

from sqlalchemy import Engine
from typer.testing import CliRunner

from continuity.cli.main import app

runner = CliRunner()
SUSPENDED = "CMR/PCA2019012/PD2023003"
WIDE = {"COLUMNS": "220"}
BY = ["--recorded-by", "Hélène Fouda"]


def run(*args: str):
    return runner.invoke(app, list(args), env=WIDE)


def test_staff_run_a_plan_from_the_command_line(imported: Engine, app_env) -> None:
    added = run("focal-point", "add", "Serge Atangana", "s.atangana@unicef.example.org")
    assert added.exit_code == 0 and "s.atangana" not in added.stdout
    assert "Serge Atangana" in run("focal-point", "list").stdout
    opened = run("corrective", "open", "--partnership", SUSPENDED, "--reason", "Aucun progrès", *BY)
    assert opened.exit_code == 0, opened.output
    measure = run(
        "corrective",
        "add-measure",
        "--partnership",
        SUSPENDED,
        "--description",
        "Recruter un coordinateur",
        "--owner",
        "Serge Atangana",
        "--due",
        "2026-12-20",
        "--budget-change",
        "-1500",
        "--currency",
        "EUR",
        *BY,
    )
    assert measure.exit_code == 0 and "measure_id 1" in measure.stdout
    updated = run("corrective", "update", "1", "--status", "late", "--comment", "en attente", *BY)
    assert updated.exit_code == 0 and "status" in updated.stdout
    listed = run("corrective", "list")
    assert "Recruter un coordinateur" in listed.stdout and "-1500.00 EUR" in listed.stdout
    closed = run("corrective", "close", "--partnership", SUSPENDED, "--outcome", "repris", *BY)
    assert closed.exit_code == 0
    shown = run("corrective", "show", SUSPENDED)
    assert shown.exit_code == 0
    for line in ("plan opened", "measure added", "status update", "plan closed"):
        assert line in shown.stdout
    assert "status: planned → late" in shown.stdout and "Outcome: repris" in shown.stdout


def test_bad_corrective_commands_say_what_is_wrong(imported: Engine, app_env) -> None:
    missing = run("corrective", "open", "--partnership", "NOPE", "--reason", "x", *BY)
    assert missing.exit_code == 1 and "no partnership with reference 'NOPE'" in missing.output
    bad_date = run(
        "corrective",
        "add-measure",
        "--partnership",
        SUSPENDED,
        "--description",
        "x",
        "--owner",
        "y",
        "--due",
        "20/12/2026",
        *BY,
    )
    assert bad_date.exit_code == 1 and "due_on" in bad_date.output
    huge = run("corrective", "open", "--partnership", SUSPENDED, "--reason", "x" * 5000, *BY)
    assert huge.exit_code == 1 and "at most 4000" in huge.output
    hostile = run("focal-point", "add", "Serge\x00", "s@unicef.example.org")
    assert hostile.exit_code != 0
    unknown = run("corrective", "show", SUSPENDED)
    assert unknown.exit_code == 1 and "has no corrective plan" in unknown.output
