"""`continuity export`: partners' answers, the outbox or the at-risk list to a CSV or XLSX
file, for M&E staff's spreadsheets."""

from __future__ import annotations

import enum
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from continuity.cli.console import database, fail, out
from tasks.clock import Clock
from tasks.exports.export import export_filter, write_export
from tasks.exports.files import FORMATS, ExportError, Format, checked_output


class What(enum.StrEnum):
    RESPONSES = "responses"
    MESSAGES = "messages"
    AT_RISK = "at-risk"


def export_command(
    what: Annotated[What, typer.Argument(metavar="WHAT", help="responses, messages or at-risk")],
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="the file to write")
    ],
    form: Annotated[
        str | None, typer.Option("--format", metavar="csv|xlsx", help="default: the file's suffix")
    ] = None,
    country: Annotated[
        list[str] | None,
        typer.Option(metavar="CODE", help="ISO alpha-2 or alpha-3; repeat for several"),
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(metavar="KIND", help="touchpoint kind (sustainability_checkin…); repeat"),
    ] = None,
    since: Annotated[
        str | None, typer.Option(metavar="DAY", help="first day, YYYY-MM-DD (UTC)")
    ] = None,
    until: Annotated[
        str | None, typer.Option(metavar="DAY", help="last day, YYYY-MM-DD (UTC), included")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="replace an existing file")] = False,
) -> None:
    """Write partners' answers, the outbox's messages or the at-risk list to a spreadsheet
    (one header row, dates as dates in UTC, no address or token; contacts by number)."""
    try:
        wanted = export_filter(
            country or [], kind or [], day(since, "--since"), day(until, "--until")
        )
        path = checked_output(output, force)
        chosen = export_format(form, output)
        with database() as engine:
            written = write_export(engine, what, chosen, path, wanted, Clock().now())
    except ExportError as error:
        raise fail(str(error), 1) from None
    rows = f"{written.rows} row{'' if written.rows == 1 else 's'}"
    out.print(f"{what}: {rows} written to {written.path}", highlight=False, soft_wrap=True)


def day(value: str | None, option: str) -> date | None:
    """Return the day an option names; raise `ExportError` unless it is YYYY-MM-DD."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ExportError(f"{option} {value[:40]!r}: give a day as YYYY-MM-DD") from None


def export_format(given: str | None, output: Path) -> Format:
    """Return the format asked for, else the one the output's suffix names; raise
    `ExportError` when neither is csv or xlsx."""
    chosen = (given or output.suffix.removeprefix(".")).strip().lower()
    for known in FORMATS:
        if chosen == known:
            return known
    raise ExportError(
        f"--format {chosen[:20]!r}: csv or xlsx" if given else "give --format csv or xlsx"
    )
