"""The `continuity` command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from continuity.cli.acknowledgement import acknowledgement_app
from continuity.cli.calendar import calendar_app
from continuity.cli.campaign import campaign_app
from continuity.cli.console import OneLineErrors, database, err, fail, out
from continuity.cli.contact import contact_app
from continuity.cli.corrective import corrective_app, focal_point_app
from continuity.cli.database import db_app
from continuity.cli.dkim import dkim_app
from continuity.cli.export import export_command
from continuity.cli.inbox import inbox_app
from continuity.cli.influence import influence_app
from continuity.cli.options import parse_as_of
from continuity.cli.outbox import outbox_app
from continuity.cli.responses import response_app
from continuity.cli.run import run_command
from continuity.cli.staff import evaluation_app, event_app, update_app
from db.engine import migrated_engine, transaction
from db.migrate import NotMigratedError
from db.status import status_counts
from tasks.clock import Clock
from tasks.countries import (
    WorkspaceError,
    Workspaces,
    checked_country,
    parse_country_codes,
)
from tasks.etools.contacts import NOT_READDED
from tasks.etools.files import EtoolsFileError
from tasks.etools.importer import import_etools
from tasks.follow_up_policy import DEFAULT_POLICY, PolicyError, load_policy
from tasks.settings import SettingsError, get_settings

MAX_PROBLEMS_SHOWN = 200
SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "etools"
SAMPLE_PARTNERS = SAMPLES / "partners.csv"
SAMPLE_INTERVENTIONS = SAMPLES / "interventions.csv"

app = typer.Typer(
    help="Continuity: keep relationships with civil society partners alive after closure.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=OneLineErrors,
)
import_app = typer.Typer(help="Import partner data.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(event_app, name="event")
app.add_typer(update_app, name="update")
app.add_typer(evaluation_app, name="evaluation")
app.add_typer(outbox_app, name="outbox")
app.add_typer(influence_app, name="influence")
app.add_typer(corrective_app, name="corrective")
app.add_typer(acknowledgement_app, name="acknowledgement")
app.add_typer(focal_point_app, name="focal-point")
app.add_typer(campaign_app, name="campaign")
app.add_typer(response_app, name="response")
app.add_typer(inbox_app, name="inbox")
app.add_typer(contact_app, name="contact")
app.add_typer(calendar_app, name="calendar")
app.add_typer(dkim_app, name="dkim")
app.command("run")(run_command)
app.command("export")(export_command)


@app.callback()
def main() -> None:
    """Check the settings before any command runs."""
    try:
        get_settings()
    except SettingsError as error:
        raise fail(str(error)) from None


@import_app.command("etools")
def import_etools_command(
    partners: Annotated[Path, typer.Option(help="eTools partner export (CSV)")],
    interventions: Annotated[Path, typer.Option(help="eTools programme document export (CSV)")],
    dry_run: Annotated[bool, typer.Option(help="check and count, write nothing")] = False,
    policy: Annotated[Path, typer.Option(help="follow-up policy file")] = DEFAULT_POLICY,
    country_code: Annotated[
        list[str] | None,
        typer.Option(
            "--country-code",
            metavar="CODE=ISO3",
            help="the country of an eTools workspace code (reference numbers' prefix), "
            "e.g. PHI=PHL; repeatable; before config/etools-workspaces.toml",
        ),
    ] = None,
    country: Annotated[
        str | None,
        typer.Option(
            metavar="ISO3",
            help="the country of every row whose workspace code is blank or unknown "
            "(an export from one office)",
        ),
    ] = None,
) -> None:
    """Import eTools exports in one transaction; any bad row aborts it all."""
    workspaces = _workspaces(country_code or [], country)
    try:
        follow_up_policy = load_policy(policy)
        engine = migrated_engine(get_settings().database_url)
    except (PolicyError, NotMigratedError) as error:
        raise fail(str(error)) from None
    try:
        with transaction(engine) as session:
            counts = import_etools(session, partners, interventions, follow_up_policy, workspaces)
            if dry_run:
                session.rollback()
    except EtoolsFileError as error:
        _print_problems(error)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    _print_counts(counts.as_dict(), dry_run, counts.changed_anything)


def _workspaces(country_codes: list[str], country: str | None) -> Workspaces:
    """Return the command line's workspace codes over the mapping file's; exit 2 naming
    the option (or the file) that is wrong."""
    try:
        codes = parse_country_codes(country_codes)
    except WorkspaceError as error:
        raise fail(f"--country-code: {error}") from None
    try:
        alpha3 = checked_country(country) if country is not None else None
    except WorkspaceError as error:
        raise fail(f"--country: {error}") from None
    try:
        return Workspaces.load(codes, alpha3)
    except WorkspaceError as error:  # the mapping file's, named by its path
        raise fail(str(error)) from None


def _print_problems(error: EtoolsFileError) -> None:
    for problem in error.problems[:MAX_PROBLEMS_SHOWN]:
        err.print(str(problem), highlight=False, markup=False, soft_wrap=True)
    hidden = error.total - min(len(error.problems), MAX_PROBLEMS_SHOWN)
    if hidden > 0:
        err.print(f"… and {hidden} more problems", highlight=False)
    err.print(f"[bold red]import aborted:[/] {error.total} problem(s), nothing written")


def _print_counts(counts: dict[str, dict[str, int]], dry_run: bool, changed: bool) -> None:
    table = Table(title="eTools import (dry run: nothing written)" if dry_run else "eTools import")
    outcomes = ["created", "updated", "unchanged", "deactivated", NOT_READDED]
    table.add_column("rows")
    for outcome in outcomes:
        table.add_column(outcome, justify="right")
    for entity, by_outcome in counts.items():
        table.add_row(entity, *(str(by_outcome.get(outcome, 0)) for outcome in outcomes))
    out.print(table)
    out.print("changes applied" if changed and not dry_run else "no changes" if not changed else "")


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    as_of: Annotated[str | None, typer.Option(help="ISO date-time for 'due' (default now)")] = None,
) -> None:
    """Show partners, contacts, partnerships, plans due, messages and responses."""
    now = Clock.at(parse_as_of(as_of)).now()
    with database() as engine, transaction(engine) as session:
        counts = status_counts(session, now)
    if as_json:
        print(json.dumps(counts, ensure_ascii=False, sort_keys=True))
        return
    _print_status(counts)


def _print_status(counts: dict[str, object]) -> None:
    table = Table(title="Continuity status", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in counts.items():
        if isinstance(value, dict):
            table.add_row(key.replace("_", " "), "")
            for name, count in value.items():
                table.add_row(f"  {name}", str(count))
        else:
            table.add_row(key.replace("_", " "), "—" if value is None else str(value))
    out.print(table)


@app.command()
def portal(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8080,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="proxies whose X-Forwarded-For is trusted, comma-separated addresses or"
            " networks, or * (default: CONTINUITY_FORWARDED_ALLOW_IPS, 127.0.0.1,::1)"
        ),
    ] = None,
) -> None:
    """Serve the response portal (the pages partners' personal links open)."""
    from continuity.portal.server import serve

    serve(host, port, forwarded_allow_ips)


@app.command()
def demo(
    directory: Annotated[Path, typer.Option(help="where the demo lives (emptied first)")] = Path(
        "demo"
    ),
) -> None:
    """Two simulated years after the sample partnerships ended, in ./demo: import, staff
    data, every scheduled flow as its schedule would run it, simulated answers, bounces and
    an opt-out, then the relationship report."""
    from continuity.demo import run
    from continuity.demo_prefect import prefect_hint, publish_report

    result = run(directory, out)
    out.print(f"messages by status: {result['messages']}", markup=False)
    out.print(f"simulated partners: {result['partners did']}", markup=False)
    out.print(f"public pages (acknowledgements per country): {result['published']}", markup=False)
    status(as_json=False, as_of=result["end"].isoformat())
    report_command(as_of=result["end"].isoformat(), months=6)
    root = result["root"]
    publish_report(root, result["end"])
    out.print(
        f"\n[bold]The demo lives in {root}[/]\n"
        f"  outbox (a Maildir): {root / 'outbox'}  — open it with `mutt -f {root / 'outbox'}`"
        " or any mail client that reads Maildirs\n"
        f"  inbox: {root / 'inbox'}\n"
        f"  public acknowledgement pages: {root / 'public' / 'index.html'}\n"
        f"  database: {root / 'continuity.db'}  — `CONTINUITY_DATABASE_URL="
        f"sqlite:///{root / 'continuity.db'} .venv/bin/continuity status`\n"
        f"{prefect_hint(root)}",
        highlight=False,
    )


@app.command("report")
def report_command(
    as_of: Annotated[str | None, typer.Option(help="ISO date-time (default now)")] = None,
    months: Annotated[int, typer.Option(help="months without contact that count")] = 6,
    since: Annotated[
        str | None, typer.Option(help="what partners said since (default: a week before)")
    ] = None,
) -> None:
    """Print the relationship report: what partners said and what waits for an answer,
    quiet partners, response rates, results at risk, follow-ups, bounces and suppressions."""
    from tasks.reports.relationship import SECTIONS, report

    now = Clock.at(parse_as_of(as_of)).now()
    within = get_settings().answer_within_days
    with database() as engine, transaction(engine) as session:
        sections = report(session, now, months, parse_as_of(since), within)
    for name in SECTIONS:
        rows = sections[name]
        table = Table(title=f"{name.replace('_', ' ')} ({len(rows)})")
        for column in rows[0] if rows else {"": ""}:
            table.add_column(column)
        for row in rows:
            table.add_row(*(Text(str(value)) for value in row.values()))
        out.print(table)


@app.command()
def scheduler() -> None:
    """Run the deployments' schedules from prefect.yaml here, without a Prefect server."""
    import logging

    from continuity.scheduler import serve

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    ours = logging.getLogger("continuity")
    ours.addHandler(handler)
    ours.setLevel(logging.INFO)
    ours.propagate = False
    try:
        settings = get_settings()
        settings.required_secret_key()
        migrated_engine(settings.database_url).dispose()
    except (SettingsError, NotMigratedError) as error:
        raise fail(str(error)) from None
    serve(settings.database_url)
