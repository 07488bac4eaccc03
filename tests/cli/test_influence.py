from __future__ import annotations

from sqlalchemy import Engine
from typer.testing import CliRunner

from continuity.cli.main import app

runner = CliRunner()
ASEF = "SEN/PCA2021001/PD2021004"
WIDE = {"COLUMNS": "200"}


def test_staff_build_the_register_from_the_command_line(imported: Engine, app_env) -> None:
    add = runner.invoke(
        app,
        [
            "influence",
            "add",
            "--partnership",
            ASEF,
            "--name",
            "Mairie de Kolda",
            "--kind",
            "body",
            "--role",
            "finance les cantines",
        ],
    )
    assert add.exit_code == 0, add.output
    again = runner.invoke(
        app, ["influence", "add", "--partnership", ASEF, "--name", "mairie DE kolda"]
    )
    assert "merged True" in again.stdout
    listed = runner.invoke(app, ["influence", "list", "--partnership", ASEF], env=WIDE)
    assert listed.exit_code == 0 and "Mairie de Kolda" in listed.stdout
    assert "finance les cantines" in listed.stdout
    uncovered = runner.invoke(app, ["influence", "uncovered"], env=WIDE)
    assert uncovered.exit_code == 0 and ASEF not in uncovered.stdout


def test_bad_commands_say_what_is_wrong(imported: Engine, app_env) -> None:
    unknown = runner.invoke(app, ["influence", "add", "--partnership", "NOPE", "--name", "X"])
    assert unknown.exit_code == 1 and "no partnership" in unknown.stderr
    missing = runner.invoke(app, ["influence", "remove", "42"])
    assert missing.exit_code == 1 and "no active register entry 42" in missing.stderr
    bad_kind = runner.invoke(
        app, ["influence", "add", "--partnership", ASEF, "--name", "X", "--kind", "robot"]
    )
    assert bad_kind.exit_code == 2
