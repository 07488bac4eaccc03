"""`continuity calendar`: a country's working days, public holidays and closures, as mail
and working-day counts follow them; staff set a working week, close or open a day."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import typer
from rich.text import Text
from sqlalchemy.orm import Session

from continuity.cli.console import database, fail, out, rows_table
from db.engine import transaction
from tasks.calendar_changes import (
    CalendarError,
    checked_author,
    checked_country,
    checked_day,
    close_day,
    forget_day,
    open_day,
    reset_week,
    set_week,
    year_view,
)
from tasks.clock import Clock

Checked = TypeVar("Checked")
calendar_app = typer.Typer(
    help="Countries' working days, public holidays and closures (mail waits for them).",
    no_args_is_help=True,
)
Code = Annotated[str, typer.Argument(metavar="COUNTRY", help="ISO 3166 code: YE or YEM")]
Day = Annotated[str, typer.Argument(metavar="DATE", help="YYYY-MM-DD")]
By = Annotated[str, typer.Option(help="your name")]
Reason = Annotated[str, typer.Option(help="why (required; kept with a week or day set)")]


@calendar_app.command("show")
def show(
    country: Code,
    year: Annotated[int | None, typer.Option(help="default: this year")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False,
) -> None:
    """Show the country's working days, the year's public holidays and staff's days."""
    found = _checked(checked_country, country)
    with _session() as session:
        view = year_view(session, found, year or Clock().now().year)
    if as_json:
        print(json.dumps(view, ensure_ascii=False, indent=2))
        return
    _print_view(view)


def _print_view(view: dict[str, Any]) -> None:
    head = f"{view['name']} ({view['alpha2']}, {view['country']}): works {view['working_days']}"
    if view["week_set"]:
        said = view["week_set"]
        head += f", set by {said['by']} on {said['at'][:10]}: {said['reason']}"
        head += f" (the holidays package says {view['package_working_days']})"
    out.print(Text(head))
    if not view["holidays_known"]:
        out.print(Text("the holidays package has no calendar for it: no public holidays"))
    rows = [
        {
            "date": day["date"],
            "day": day["weekday"][:3],
            "name": day["name"],
            "what": day["source"],
            "by": day["set"]["by"] if day["set"] else "",
            "why": day["set"]["reason"] if day["set"] else "",
        }
        for day in view["days"]
    ]
    columns = ("date", "day", "name", "what", "by", "why")
    out.print(rows_table(f"Days off and staff's days in {view['year']}", rows, columns))


@calendar_app.command("week")
def week(
    country: Code,
    days: Annotated[
        str | None, typer.Argument(metavar="DAYS", help="the working days, e.g. sun-thu")
    ] = None,
    default: Annotated[bool, typer.Option("--default", help="back to the package's")] = False,
    by: By = "",
    reason: Reason = "",
) -> None:
    """Set the country's working days (mail goes out on them, working days count them)."""
    found, author = _checked(checked_country, country), _checked(checked_author, by, reason)
    if (days is None) == (not default):
        raise fail("give the working days (e.g. sun-thu) or --default, not both")
    with _session() as session:
        if default:
            had = reset_week(session, found)
            said = "the holidays package's working week" + ("" if had else " (already)")
        else:
            said = f"works {set_week(session, found, days or '', author, Clock().now()).days}"
    out.print(Text(f"{found.name}: {said}"))


@calendar_app.command("close")
def close(
    country: Code,
    day: Day,
    name: Annotated[str, typer.Option(help="the closure's name (shown in deferrals)")] = "",
    by: By = "",
    reason: Reason = "",
) -> None:
    """Close a day (an office holiday, a day of mourning): mail waits, it is not counted."""
    found, when = _checked(checked_country, country), _checked(checked_day, day)
    author = _checked(checked_author, by, reason)
    with _session() as session:
        stored = close_day(session, found, when, name, author, Clock().now())
        said = f"{found.name}: {when} closed ({stored.name})"
    out.print(Text(said))


@calendar_app.command("open")
def open_(
    country: Code,
    day: Day,
    by: By = "",
    reason: Reason = "",
) -> None:
    """Work a day the package calls a holiday or a weekend day (an estimated Eid on the
    wrong day, a Saturday worked for a bridge)."""
    found, when = _checked(checked_country, country), _checked(checked_day, day)
    author = _checked(checked_author, by, reason)
    with _session() as session:
        stored = open_day(session, found, when, author, Clock().now())
        said = f"{found.name}: {when} is a working day (was: {stored.name})"
    out.print(Text(said))


@calendar_app.command("forget")
def forget(
    country: Code,
    day: Day,
    by: By = "",
    reason: Reason = "",
) -> None:
    """Remove staff's closure or opening of a day: the package's calendar holds again."""
    found, when = _checked(checked_country, country), _checked(checked_day, day)
    _checked(checked_author, by, reason)
    with _session() as session:
        if not forget_day(session, found, when):
            raise CalendarError(f"staff said nothing of {when} in {found.name}")
    out.print(Text(f"{found.name}: {when} follows the holidays package again"))


def _checked(check: Callable[..., Checked], *values: str) -> Checked:
    """Return `check(*values)`; exit 1 with its message when it refuses them."""
    try:
        return check(*values)
    except CalendarError as error:
        raise fail(str(error), 1) from None


@contextmanager
def _session() -> Iterator[Session]:
    """Yield a session on the database, committed at the end; exit 1 with the message of
    a `CalendarError` raised in it (nothing is written then)."""
    try:
        with database() as engine, transaction(engine) as session:
            yield session
    except CalendarError as error:
        raise fail(str(error), 1) from None
