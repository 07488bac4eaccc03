from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer

from continuity.cli.options import parse_as_of

REPO = Path(__file__).resolve().parents[2]


def test_no_as_of_means_none_and_real_time_below() -> None:
    assert parse_as_of(None) is None


def test_an_as_of_without_zone_is_utc() -> None:
    assert parse_as_of("2026-12-01T12:00:00") == datetime(2026, 12, 1, 12, tzinfo=UTC)


def test_an_as_of_that_is_not_iso_8601_is_a_usage_error_naming_it() -> None:
    with pytest.raises(typer.BadParameter, match="'yesterday' is not an ISO 8601 date-time"):
        parse_as_of("yesterday")


def imported_modules(path: Path) -> set[str]:
    """Return every module `path` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_command_module_imports_the_main_command_line() -> None:
    importing_main = [
        path.name
        for path in (REPO / "continuity" / "cli").glob("*.py")
        if path.name != "main.py" and "continuity.cli.main" in imported_modules(path)
    ]
    assert importing_main == []


@pytest.mark.parametrize("package", ["tasks", "db", "flows"])
def test_nothing_below_the_entry_points_imports_them(package: str) -> None:
    importing_continuity = [
        str(path.relative_to(REPO))
        for path in (REPO / package).rglob("*.py")
        if any(name.split(".")[0] == "continuity" for name in imported_modules(path))
    ]
    assert importing_continuity == []
