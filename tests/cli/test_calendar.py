"""`continuity calendar`: staff see a country's calendar and set its working week,
closures and openings without a release; what they type is checked and shown as text."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from continuity.cli.main import app
from db.engine import transaction
from tasks.calendars import Calendars

runner = CliRunner()
WIDE = {"COLUMNS": "220"}
WHO = ["--by", "Amina Saleh", "--reason", "circular of the ministry"]


def run(*args: str):
    return runner.invoke(app, list(args), env=WIDE)


def day_off(engine: Engine, alpha3: str, day: date) -> str | None:
    with transaction(engine) as session:
        return Calendars(session).of(alpha3).day_off(day)


def test_show_lists_the_working_days_and_the_year_holidays(engine: Engine, app_env) -> None:
    shown = run("calendar", "show", "ye", "--year", "2025")
    assert shown.exit_code == 0, shown.output
    assert "Yemen (YE, YEM): works sun-thu" in shown.stdout
    assert "Eid al-Adha (estimated)" in shown.stdout and "Unity Day" in shown.stdout
    as_json = json.loads(run("calendar", "show", "SEN", "--year", "2025", "--json").stdout)
    names = {day["date"]: day["name"] for day in as_json["days"]}
    assert names["2025-06-09"] == "Pentecost Monday" and as_json["holidays_known"]


def test_staff_set_a_working_week_and_go_back_to_the_package(engine: Engine, app_env) -> None:
    thursday = date(2025, 6, 19)
    changed = run("calendar", "week", "YEM", "sun-wed", *WHO)
    assert changed.exit_code == 0 and "Yemen: works sun-wed" in changed.stdout
    assert day_off(engine, "YEM", thursday) == "Thursday is a weekend day in Yemen"
    shown = run("calendar", "show", "YE", "--year", "2025").stdout
    assert "set by Amina Saleh" in shown and "circular of the ministry" in shown
    assert "the holidays package says sun-thu" in shown
    reset = run("calendar", "week", "YE", "--default", *WHO)
    assert reset.exit_code == 0 and "package's working week" in reset.stdout
    assert day_off(engine, "YEM", thursday) is None


def test_staff_close_open_and_forget_a_day(engine: Engine, app_env) -> None:
    mourning, whit_monday = date(2025, 6, 10), date(2025, 6, 9)
    closed = run("calendar", "close", "SN", "2025-06-10", "--name", "Deuil national", *WHO)
    assert closed.exit_code == 0 and "2025-06-10 closed (Deuil national)" in closed.stdout
    assert day_off(engine, "SEN", mourning) == "a closure in Senegal: Deuil national"
    opened = run("calendar", "open", "sen", "2025-06-09", *WHO)
    assert opened.exit_code == 0 and "Pentecost Monday" in opened.stdout
    assert day_off(engine, "SEN", whit_monday) is None
    shown = run("calendar", "show", "SN", "--year", "2025").stdout
    assert "closed by staff" in shown and "opened by staff" in shown
    assert run("calendar", "forget", "SN", "2025-06-10", *WHO).exit_code == 0
    assert day_off(engine, "SEN", mourning) is None
    again = run("calendar", "forget", "SN", "2025-06-10", *WHO)
    assert again.exit_code == 1 and "staff said nothing of 2025-06-10" in again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "XX"], "'XX' is not an ISO 3166 country code"),
        (["show", "Yemen"], "is not an ISO 3166 country code"),
        (["week", "ZZZ", "sun-thu", *WHO], "is not an ISO 3166 country code"),
        (["week", "YE", "sun-thu", "--by", "Amina"], "--reason is required"),
        (["week", "YE", "sun-thu", "--reason", "why"], "--by is required"),
        (["week", "YE", "mon-xyz", *WHO], "unknown day"),
        (["week", "YE", *WHO], "give the working days"),
        (["close", "SN", "2025-02-30", "--name", "x", *WHO], "not a date"),
        (["close", "SN", "2025-06-10", *WHO], "--name is required"),
        (["close", "SN", "2025-06-10", "--name", "x" * 300, *WHO], "--name: one line"),
        (["close", "SN", "2025-06-10", "--name", "[red]x\x1b[0m", *WHO], "--name: one line"),
        (
            ["close", "SN", "2025-06-10", "--name", "x", "--by", "A", "--reason", "r" * 600],
            "--reason: one line",
        ),
        (["open", "YE", "2025-06-15", *WHO], "a working day in Yemen already"),
        (["show", "YE", "--year", "99999"], "--year"),
    ],
)
def test_a_bad_request_exits_non_zero_saying_what_is_wrong(
    engine: Engine, app_env, args: list[str], message: str
) -> None:
    result = run("calendar", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_closure_name_is_shown_as_text_not_markup(engine: Engine, app_env) -> None:
    closed = run("calendar", "close", "SN", "2025-06-10", "--name", "[bold]Deuil[/bold]", *WHO)
    assert closed.exit_code == 0 and "[bold]Deuil[/bold]" in closed.stdout
    assert "[bold]Deuil[/bold]" in run("calendar", "show", "SN", "--year", "2025").stdout
