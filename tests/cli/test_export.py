"""`continuity export`, as staff run it: the file written, its filters, and every way the
output path or an option can be wrong (one line, exit 1, nothing written)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from continuity.cli.main import app
from tests.spreadsheets import csv_rows, xlsx_rows

runner = CliRunner()


def export(*arguments: str):
    return runner.invoke(app, ["export", *arguments], terminal_width=400)


def failed_with(result, words: str) -> None:
    assert result.exit_code == 1, result.output
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_it_writes_the_file_named_in_the_format_its_suffix_says(
    answered: Engine, tmp_path: Path
) -> None:
    result = export("responses", "--output", str(tmp_path / "r.xlsx"), "--country", "SN")
    assert result.exit_code == 0, result.output
    assert f"responses: 1 row written to {tmp_path / 'r.xlsx'}" in result.stdout
    assert len(xlsx_rows(tmp_path / "r.xlsx")) == 2
    as_csv = export("at-risk", "-o", str(tmp_path / "risk.txt"), "--format", "CSV")
    assert as_csv.exit_code == 0, as_csv.output
    assert csv_rows(tmp_path / "risk.txt")[0][0] == "answered at (UTC)"


def test_it_filters_by_kind_and_days(answered: Engine, tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    options = ["--kind", "sustainability_checkin", "--since", "2026-12-01", "--until", "2026-12-01"]
    assert export("messages", "-o", str(path), *options).exit_code == 0
    rows = csv_rows(path)
    assert len(rows) > 1 and {row[1] for row in rows[1:]} == {"sustainability_checkin"}


def test_an_existing_file_is_kept_unless_forced(answered: Engine, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("mine")
    failed_with(export("responses", "-o", str(path)), "exists: --force replaces it")
    assert path.read_text() == "mine"
    assert export("responses", "-o", str(path), "--force").exit_code == 0
    assert csv_rows(path)[0][0] == "answer"


@pytest.mark.parametrize(
    ("output", "words"),
    [
        (".", "is a folder"),
        ("missing/r.csv", "does not exist"),
        ("file.txt/r.csv", "does not exist"),
        ("r.pdf", "give --format csv or xlsx"),
        ("r", "give --format csv or xlsx"),
    ],
)
def test_a_wrong_output_path_is_one_line(
    answered: Engine, tmp_path: Path, output: str, words: str
) -> None:
    (tmp_path / "file.txt").write_text("")
    failed_with(export("responses", "-o", str(tmp_path / output)), words)


def test_an_unwritable_folder_is_one_line_and_leaves_nothing(answered: Engine) -> None:
    failed_with(export("responses", "-o", "/proc/r.csv"), "cannot write /proc/r.csv")


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--country", "XX"], "is no ISO 3166 country code"),
        (["--country", "S" * 10_000], "is no ISO 3166 country code"),
        (["--kind", "=cmd|' /C calc'!A0"], "--kind"),
        (["--since", "yesterday"], "--since 'yesterday': give a day as YYYY-MM-DD"),
        (["--until", "2026-02-30"], "--until"),
        (["--since", "2026-12-02", "--until", "2026-12-01"], "is before --since"),
        (["--format", "pdf"], "--format 'pdf': csv or xlsx"),
    ],
)
def test_a_wrong_option_is_one_line_and_writes_nothing(
    answered: Engine, tmp_path: Path, options: list[str], words: str
) -> None:
    failed_with(export("responses", "-o", str(tmp_path / "r.csv"), *options), words)
    assert list(tmp_path.glob("r.csv")) == [] and list(tmp_path.glob(".export-*")) == []


def test_a_kind_filter_on_the_at_risk_list_is_refused(answered: Engine, tmp_path: Path) -> None:
    result = export("at-risk", "-o", str(tmp_path / "r.csv"), "--kind", "reminder")
    failed_with(result, "--kind does not apply to at-risk")


def test_an_unknown_export_is_a_usage_error(answered: Engine, tmp_path: Path) -> None:
    result = export("contacts", "-o", str(tmp_path / "r.csv"))
    assert result.exit_code == 2 and "responses" in result.output
