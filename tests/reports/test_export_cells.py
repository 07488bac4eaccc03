"""What an export's cell may hold (tasks/exports/cells.py), whatever a partner typed:
hostile and oversized text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from tasks.exports.cells import MAX_CELL, TRUNCATED, cell, text_cell
from tests.spreadsheets import RTL


@pytest.mark.parametrize(
    "typed",
    [
        *["=1+1", "+33 1 23", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=", "-", " =1", "\u00a0=1"],
        *[
            "\n=cmd|' /C calc'!A0",
            "\ufeff=1",
            "\u200b+1",
            "\uff1d1+1",
            "\uff0b1",
            "\uff0d1",
            "\uff20SUM(A1)",
        ],
    ],
)
def test_it_neutralises_a_text_a_spreadsheet_would_read_as_a_formula(typed: str) -> None:
    assert text_cell(typed) == "'" + typed


@pytest.mark.parametrize("typed", ["Merci =)", "a-b", "#N/A", "'=already", "", " a=1"])
def test_it_leaves_other_text_as_typed(typed: str) -> None:
    assert text_cell(typed) == typed


def test_numbers_dates_and_empty_cells_stay_what_they_are() -> None:
    assert [cell(v) for v in (-5, 2.5, None, date(2026, 1, 2))] == [-5, 2.5, None, date(2026, 1, 2)]
    assert cell(True) == "yes" and cell(False) == "no"


def test_an_aware_moment_becomes_naive_utc() -> None:
    dakar_noon = datetime(2026, 12, 1, 12, tzinfo=timezone(timedelta(hours=-5)))
    assert cell(dakar_noon) == datetime(2026, 12, 1, 17)
    assert cell(datetime(2026, 12, 1, tzinfo=UTC)).tzinfo is None  # type: ignore[union-attr]


def test_it_removes_what_xml_forbids_and_keeps_lines_rtl_and_emoji() -> None:
    typed = f"a\x00b\x07c\x1bd\x0be\ud800f\ufffeg\uffff\n{RTL} \U0001f44d\r\n\tfin"
    assert text_cell(typed) == f"abcdefg\n{RTL} \U0001f44d\r\n\tfin"


def test_it_cuts_an_oversized_text_to_excels_limit_and_says_so() -> None:
    cut = text_cell("x" * 40_000)
    assert len(cut) == MAX_CELL and cut.endswith(TRUNCATED)
    assert text_cell("x" * MAX_CELL) == "x" * MAX_CELL
    assert len(text_cell("=" + "x" * MAX_CELL)) == MAX_CELL


def test_it_redacts_addresses_and_personal_links() -> None:
    typed = "écrire à awa@asef.example.org, lien https://p.example.org/r/AbCdEfGhIjKlMnOpQr"
    assert text_cell(typed) == "écrire à <address>, lien https://p.example.org/r/…"
