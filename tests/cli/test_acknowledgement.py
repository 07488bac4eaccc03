from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from continuity.cli.main import app
from tasks.settings import get_settings

runner = CliRunner()
ASEF = "SEN/PCA2021001/PD2021004"
WIDE = {"COLUMNS": "220"}
BY = ["--recorded-by", "Aïssatou Sow"]


def run(*args: str):
    return runner.invoke(app, list(args), env=WIDE)


def test_staff_review_acknowledgements_from_the_command_line(
    imported: Engine, app_env, tmp_path: Path
) -> None:
    app_env.setenv("CONTINUITY_PUBLIC_DIR", str(tmp_path / "public"))
    get_settings.cache_clear()
    drafted = run("acknowledgement", "draft")
    assert drafted.exit_code == 0 and "drafted" in drafted.stdout
    shown = run("acknowledgement", "show", ASEF)
    together = "l'organisation Association Sénégalaise pour l'Éducation des Filles ont travaillé"
    assert "[fr]" in shown.stdout and together in shown.stdout
    edited = run("acknowledgement", "edit", ASEF, "--text", "fr=Merci à l'ASEF.", *BY)
    assert edited.exit_code == 0 and "revision 2, draft" in edited.stdout
    approved = run("acknowledgement", "approve", ASEF, *BY)
    assert "awaiting the partner" in approved.stdout
    listed = run("acknowledgement", "list")
    assert ASEF in listed.stdout and "awaiting the partner" in listed.stdout
    published = run("acknowledgement", "publish")
    assert published.exit_code == 0 and "pages: none" in published.stdout
    withdrawn = run("acknowledgement", "withdraw", ASEF, *BY)
    assert "withdrawn" in withdrawn.stdout


def test_bad_acknowledgement_commands_say_what_is_wrong(imported: Engine, app_env) -> None:
    unknown = run("acknowledgement", "approve", "NOPE", *BY)
    assert unknown.exit_code == 1 and "no acknowledgement for 'NOPE'" in unknown.output
    run("acknowledgement", "draft")
    bad = run("acknowledgement", "edit", ASEF, "--text", "de=Danke", *BY)
    assert bad.exit_code == 1 and "languages de" in bad.output
    malformed = run("acknowledgement", "edit", ASEF, "--text", "no equals sign", *BY)
    assert malformed.exit_code == 2 and "LANG=TEXT" in malformed.output
