"""`continuity event|update|evaluation add`: what staff record for the flows to send."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from continuity.cli.console import database, err, out, rows_table
from db.engine import transaction
from tasks.clock import Clock
from tasks.countries import SUPPORTED_LANGUAGES
from tasks.staff.records import (
    EvaluationInput,
    EventInput,
    StaffDataError,
    UpdateInput,
    read_input,
    record_evaluation,
    record_event,
    record_update,
)
from tasks.touchpoints.evaluation_followup import contributor_record

event_app = typer.Typer(help="Consultation events (invitations go to ended partners).")
update_app = typer.Typer(help="Policy and priority updates (sent in monthly digests).")
evaluation_app = typer.Typer(help="Final evaluations (findings go to contributors).")

FileArgument = Annotated[
    Path | None, typer.Argument(help="TOML or JSON file with the fields", exists=False)
]
TextsOption = Annotated[
    list[str] | None, typer.Option(help=f"LANG=TEXT, repeatable ({', '.join(SUPPORTED_LANGUAGES)})")
]
PlaceOption = Annotated[
    list[str] | None,
    typer.Option(help="TEXT, the place in every language; or LANG=TEXT, repeatable"),
]


def texts(values: list[str] | None, option: str) -> dict[str, str] | None:
    """Return `LANG=TEXT` option values as a mapping (None when none were given); raise
    BadParameter on bad ones."""
    if not values:
        return None
    found: dict[str, str] = {}
    for value in values:
        language, separator, text = value.partition("=")
        if not separator:
            raise typer.BadParameter(f"{value!r}: write LANG=TEXT", param_hint=option)
        found[language.strip()] = text
    return found


def place_option(values: list[str] | None, option: str) -> str | dict[str, str] | None:
    """Return `--place` values: one TEXT is the place in every language ("Dakar"), LANG=TEXT
    values one per language (None when none were given); raise BadParameter on bad ones."""
    if values and len(values) == 1 and not written_in_a_language(values[0]):
        return values[0]
    return texts(values, option)


def written_in_a_language(value: str) -> bool:
    """True for a LANG=TEXT value whose LANG is a language the product writes."""
    language, separator, _ = value.partition("=")
    return bool(separator) and language.strip() in SUPPORTED_LANGUAGES


def _record(kind: str, save: Any) -> None:
    try:
        with database() as engine, transaction(engine) as session:
            identifier = save(session).id
    except StaffDataError as error:
        for line in str(error).splitlines():
            err.print(line, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    out.print(f"recorded {kind} {identifier}")


def _input(model: type, file: Path | None, values: dict[str, Any]) -> Any:
    try:
        return read_input(model, file, values)
    except StaffDataError as error:
        for line in str(error).splitlines():
            err.print(line, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


@event_app.command("add")
def add_event(
    file: FileArgument = None,
    title: TextsOption = None,
    topic: TextsOption = None,
    starts_at: Annotated[str | None, typer.Option(help="ISO date-time with offset")] = None,
    place: PlaceOption = None,
    link: Annotated[str | None, typer.Option()] = None,
    section: Annotated[list[str] | None, typer.Option(help="repeatable; none means all")] = None,
    country: Annotated[list[str] | None, typer.Option(help="alpha-3, repeatable")] = None,
    rsvp_by: Annotated[str | None, typer.Option(help="ISO date-time with offset")] = None,
) -> None:
    """Record a consultation event from a file and/or options (options win)."""
    values = {
        "title": texts(title, "--title"),
        "topic": texts(topic, "--topic"),
        "starts_at": starts_at,
        "place": place_option(place, "--place"),
        "link": link,
        "sections": section or None,
        "countries": country or None,
        "rsvp_deadline": rsvp_by,
    }
    data = _input(EventInput, file, values)
    _record("consultation event", lambda session: record_event(session, data))


@update_app.command("add")
def add_update(
    file: FileArgument = None,
    category: Annotated[
        str | None, typer.Option(help="policy_change, new_priority or development")
    ] = None,
    title: TextsOption = None,
    body: TextsOption = None,
    section: Annotated[list[str] | None, typer.Option(help="repeatable; none means all")] = None,
    country: Annotated[list[str] | None, typer.Option(help="alpha-3, repeatable")] = None,
) -> None:
    """Record a policy or priority update from a file and/or options (options win)."""
    values = {
        "category": category,
        "title": texts(title, "--title"),
        "body": texts(body, "--body"),
        "sections": section or None,
        "countries": country or None,
    }
    data = _input(UpdateInput, file, values)
    now = Clock().now()
    _record("policy update", lambda session: record_update(session, data, now))


@evaluation_app.command("add")
def add_evaluation(
    file: Annotated[Path, typer.Argument(help="TOML or JSON file with the fields")],
) -> None:
    """Record a final evaluation and its contributors from a file."""
    data = _input(EvaluationInput, file, {})
    _record("evaluation", lambda session: record_evaluation(session, data))


@evaluation_app.command("contributors")
def contributors(
    evaluation: Annotated[int | None, typer.Option(help="only this evaluation")] = None,
) -> None:
    """Show who contributed to each completed evaluation, whether the findings reached
    them, and how they engaged (answered, joins the discussion, comment)."""
    with database() as engine, transaction(engine) as session:
        rows = contributor_record(session, Clock().now())
    rows = [row for row in rows if evaluation is None or row["evaluation"] == evaluation]
    out.print(rows_table("Evaluation contributors", rows, ("evaluation", "contributor")))
