"""`continuity influence`: the register of who supports a partnership's impact."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from continuity.cli.console import database, fail, out, validated
from db.engine import transaction
from db.influence import active_entries, ended_without_supporters, reference_numbers
from db.partnerships import partnership_by_reference
from tasks.staff.influence import InfluenceChange, InfluenceError, Kind, apply_change

influence_app = typer.Typer(
    help="The spheres of influence: who can support each partnership's impact.",
    no_args_is_help=True,
)


def changed(**fields: Any) -> None:
    """Validate and apply one change, printing what was done or the error."""
    change = validated(InfluenceChange, fields)
    try:
        with database() as engine, transaction(engine) as session:
            done = apply_change(session, change)
    except InfluenceError as error:
        raise fail(str(error), 1) from None
    out.print(", ".join(f"{key} {value}" for key, value in done.items()), markup=False)


@influence_app.command("add")
def add(
    partnership: Annotated[str, typer.Option(help="reference number")],
    name: Annotated[str, typer.Option(help="the person or body")],
    kind: Annotated[Kind, typer.Option(help="person or body")] = "person",
    role: Annotated[str, typer.Option(help="how they support the results")] = "",
    recorded_by: Annotated[str, typer.Option(help="your name")] = "",
) -> None:
    """Add a supporter; one already registered under the same name is completed instead."""
    changed(
        action="add",
        partnership=partnership,
        name=name,
        kind=kind,
        role=role,
        recorded_by=recorded_by,
    )


@influence_app.command("edit")
def edit(
    entry_id: Annotated[int, typer.Argument(help="the entry (see `influence list`)")],
    name: Annotated[str, typer.Option()] = "",
    kind: Annotated[Kind | None, typer.Option()] = None,
    role: Annotated[str | None, typer.Option()] = None,
    recorded_by: Annotated[str, typer.Option(help="your name")] = "",
) -> None:
    """Correct an entry's name, kind or role."""
    changed(
        action="edit",
        entry_id=entry_id,
        name=name,
        kind=kind,
        role=role,
        recorded_by=recorded_by,
    )


@influence_app.command("merge")
def merge(
    duplicate: Annotated[int, typer.Argument(help="the entry to merge away")],
    into: Annotated[int, typer.Argument(help="the entry to keep")],
    recorded_by: Annotated[str, typer.Option(help="your name")] = "",
) -> None:
    """Merge two entries that name the same person or body (roles are kept)."""
    changed(action="merge", entry_id=duplicate, into_id=into, recorded_by=recorded_by)


@influence_app.command("remove")
def remove(entry_id: Annotated[int, typer.Argument()]) -> None:
    """Remove an entry from the register (it is kept, inactive)."""
    changed(action="remove", entry_id=entry_id)


@influence_app.command("list")
def list_entries(
    partnership: Annotated[str, typer.Option(help="only this reference number")] = "",
) -> None:
    """List the register, or the partnerships no one supports with `influence uncovered`."""
    with database() as engine, transaction(engine) as session:
        found = partnership_by_reference(session, partnership) if partnership else None
        if partnership and found is None:
            raise fail(f"no partnership with reference {partnership!r}", 1)
        entries = active_entries(session, found.id if found else None)
        references = reference_numbers(session)
        table = Table(title=f"Spheres of influence ({len(entries)})")
        for column in ("id", "partnership", "name", "kind", "role", "source"):
            table.add_column(column)
        for entry in entries:
            values = (entry.id, references[entry.partnership_id], entry.name, entry.kind)
            table.add_row(*(Text(str(v)) for v in (*values, entry.role, entry.source)))
    out.print(table)


@influence_app.command("uncovered")
def uncovered() -> None:
    """List the ended partnerships for which no one is registered to support the impact."""
    with database() as engine, transaction(engine) as session:
        rows = [
            (partnership.reference_number, partnership.partner.name, partnership.status)
            for partnership in ended_without_supporters(session)
        ]
    table = Table(title=f"Ended partnerships no one supports ({len(rows)})")
    for column in ("partnership", "partner", "status"):
        table.add_column(column)
    for row in rows:
        table.add_row(*(Text(value) for value in row))
    out.print(table)
