"""`continuity run DEPLOYMENT`: run one flow once, here, on Prefect's ephemeral API."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from continuity.cli.console import fail, out, quiet_tracebacks
from continuity.cli.options import parse_as_of, real_as_of
from tasks.run_context import FailedWithSummary
from tasks.settings import SettingsError, get_settings


def run_command(
    deployment: Annotated[str, typer.Argument(help="deployment name, as in prefect.yaml")],
    as_of: Annotated[
        str | None,
        typer.Option(
            help="ISO date-time to act for (default now; naive = UTC; later: --dry-run only)"
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="plan and render only, send nothing")] = False,
) -> None:
    """Run one flow once, locally, and print its summary."""
    from flows.registry import FLOWS

    if deployment not in FLOWS:
        raise fail(f"unknown deployment {deployment!r}; one of: {', '.join(FLOWS)}")
    moment = parse_as_of(as_of) if dry_run else real_as_of(as_of)
    if not dry_run:
        try:
            get_settings().required_secret_key()
        except SettingsError as error:
            raise fail(str(error)) from None
    quiet_tracebacks()
    try:
        result = FLOWS[deployment](as_of=moment, dry_run=dry_run)
    except FailedWithSummary as failed:
        print_summary(failed.summary, dry_run)
        raise fail(str(failed), 1) from None
    print_summary(result, dry_run)


def print_summary(result: dict[str, Any], dry_run: bool) -> None:
    if "campaign" not in result:
        for key, value in result.items():
            out.print(f"{key.replace('_', ' ')}: {_shown(value)}", markup=False, highlight=False)
        return
    title = escape(f"{result['campaign']}") + (" — dry run, nothing sent" if dry_run else "")
    table = Table(title=title)
    for column in ("kind", "status", "messages"):
        table.add_column(column, justify="right" if column == "messages" else "left")
    for row in result["counts"]:
        table.add_row(Text(row["kind"]), Text(row["status"]), str(row["messages"]))
    if not result["counts"]:
        table.add_row("—", "nobody was due", "0")
    out.print(table)
    for row in result["reasons"]:
        out.print(
            f"  {row['status']} x{row['messages']}: {row['reason']}", highlight=False, markup=False
        )
    delivery = {key: value for key, value in result.get("delivery", {}).items() if value}
    if delivery:
        out.print("delivered in this run: " + ", ".join(f"{k} {v}" for k, v in delivery.items()))
    for key, sample in result.get("samples", {}).items():
        out.print(f"sample {key}: {sample['subject']}", highlight=False, markup=False)
    for row in result.get("unreached", []):
        out.print(
            f"{row['partnership']}: {row['waiting']} partner message(s) waiting since"
            f" {row['since']}, and no focal point to tell ({row['why']})",
            highlight=False,
            markup=False,
        )


def _shown(value: Any) -> str:
    """A list by its length, counts by name ("unmatched 3, bounce 1", "none" for none)."""
    if isinstance(value, list):
        return str(len(value))
    if isinstance(value, dict):
        return ", ".join(f"{name} {count}" for name, count in value.items()) or "none"
    return str(value)
