"""`continuity corrective` and `continuity focal-point`: corrective-action plans and the
staff directory they escalate to."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from continuity.cli.console import database, fail, out, rows_table, validated
from db.contacts import staff_contacts
from db.corrective import plans
from db.engine import transaction
from db.models import MeasureStatus
from tasks.clock import Clock
from tasks.corrective.changes import CorrectiveChange, apply_change, known_partnership
from tasks.corrective.plans import CorrectiveError
from tasks.corrective.report import measure_rows, plan_trail
from tasks.staff.focal_points import DirectoryError, FocalPointInput, add_focal_point

corrective_app = typer.Typer(
    help="Corrective-action plans for partnerships making little or no progress.",
    no_args_is_help=True,
)
focal_point_app = typer.Typer(
    help="The staff directory: UNICEF focal points' addresses, by their eTools names.",
    no_args_is_help=True,
)
By = Annotated[str, typer.Option(help="your name (kept in the audit trail)")]


def changed(**fields: Any) -> None:
    change = validated(CorrectiveChange, {k: v for k, v in fields.items() if v is not None})
    try:
        with database() as engine, transaction(engine) as session:
            done = apply_change(session, change, Clock().now())
    except CorrectiveError as error:
        raise fail(str(error), 1) from None
    out.print(", ".join(f"{key} {value}" for key, value in done.items()), markup=False)


@corrective_app.command("open")
def open_(
    partnership: Annotated[str, typer.Option(help="reference number")],
    reason: Annotated[str, typer.Option(help="why corrective measures are needed")],
    recorded_by: By,
) -> None:
    """Open a plan for a partnership (one open plan per partnership)."""
    changed(action="open", partnership=partnership, reason=reason, recorded_by=recorded_by)


@corrective_app.command("add-measure")
def add_measure(
    partnership: Annotated[str, typer.Option(help="reference number")],
    description: Annotated[str, typer.Option(help="what is to be done")],
    owner: Annotated[str, typer.Option(help="a partner contact or a focal point")],
    due: Annotated[str, typer.Option(help="due date, YYYY-MM-DD")],
    recorded_by: By,
    budget_change: Annotated[str, typer.Option(help="e.g. -12000.50")] = "0",
    currency: Annotated[str, typer.Option()] = "USD",
) -> None:
    """Add a measure to the partnership's open plan."""
    changed(
        action="add-measure",
        partnership=partnership,
        description=description,
        owner=owner,
        due_on=due,
        budget_change=budget_change,
        currency=currency,
        recorded_by=recorded_by,
    )


@corrective_app.command("update")
def update(
    measure: Annotated[int, typer.Argument(help="the measure (see `corrective list`)")],
    recorded_by: By,
    status: Annotated[MeasureStatus | None, typer.Option()] = None,
    comment: Annotated[str | None, typer.Option()] = None,
    due: Annotated[str | None, typer.Option(help="new due date, YYYY-MM-DD")] = None,
    owner: Annotated[str | None, typer.Option()] = None,
    budget_change: Annotated[str | None, typer.Option()] = None,
    description: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Change a measure's status, due date, owner, budget change or description."""
    changed(
        action="update",
        measure_id=measure,
        status=status,
        comment=comment,
        due_on=due,
        owner=owner,
        budget_change=budget_change,
        description=description,
        recorded_by=recorded_by,
    )


@corrective_app.command("close")
def close(
    partnership: Annotated[str, typer.Option(help="reference number")],
    outcome: Annotated[str, typer.Option(help="what the plan achieved")],
    recorded_by: By,
) -> None:
    """Close the partnership's open plan with its outcome."""
    changed(action="close", partnership=partnership, outcome=outcome, recorded_by=recorded_by)


@corrective_app.command("list")
def list_measures(
    closed: Annotated[bool, typer.Option(help="include closed plans")] = False,
) -> None:
    """List every measure of the open plans (and closed ones with --closed)."""
    today = Clock().now().date()
    with database() as engine, transaction(engine) as session:
        rows = [row for plan in plans(session, not closed) for row in measure_rows(plan, today)]
    out.print(rows_table("Corrective measures", rows, ("partnership", "measure")))


@corrective_app.command("show")
def show(partnership: Annotated[str, typer.Argument(help="reference number")]) -> None:
    """Show the partnership's plans with their audit trail: who did what, when."""
    with database() as engine, transaction(engine) as session:
        try:
            found = known_partnership(session, partnership)
        except CorrectiveError as error:
            raise fail(str(error), 1) from None
        mine = [plan for plan in plans(session, False) if plan.partnership_id == found.id]
        if not mine:
            raise fail(f"{partnership} has no corrective plan", 1)
        for plan in mine:
            out.print(Text(f"Plan {plan.id} ({plan.status}): {plan.reason}"))
            if plan.outcome:
                out.print(Text(f"Outcome: {plan.outcome}"))
            out.print(rows_table("Audit trail", plan_trail(session, plan), ("at", "what")))


@focal_point_app.command("add")
def add_focal(
    name: Annotated[str, typer.Argument(help="the name as eTools spells it")],
    address: Annotated[str, typer.Argument(help="their e-mail address")],
    language: Annotated[str, typer.Option(help="fr, en or es")] = "en",
) -> None:
    """Register (or change) a focal point's address."""
    given = validated(FocalPointInput, {"name": name, "address": address, "language": language})
    try:
        with database() as engine, transaction(engine) as session:
            contact = add_focal_point(session, given.name, given.address, given.language)
            session.flush()
            identifier = contact.id
    except DirectoryError as error:
        raise fail(str(error), 1) from None
    out.print(f"focal point {identifier}: {given.name}", markup=False)


@focal_point_app.command("list")
def list_focal() -> None:
    """List the staff directory: names, languages, whether active."""
    with database() as engine, transaction(engine) as session:
        rows = [
            {"id": c.id, "name": c.name, "language": c.language, "active": c.active}
            for c in staff_contacts(session)
        ]
    out.print(rows_table("Staff directory", rows, ("id", "name")))
