"""`continuity acknowledgement`: the public acknowledgement of ended partnerships."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from continuity.cli.console import database, fail, out, rows_table, validated
from continuity.cli.staff import TextsOption, texts
from db.acknowledgements import acknowledgement_of, acknowledgements
from db.engine import transaction
from tasks.acknowledgements.changes import AcknowledgementChange, apply_change, state
from tasks.acknowledgements.register import AcknowledgementError
from tasks.acknowledgements.stages import draft_acknowledgements, publish_pages
from tasks.clock import Clock

acknowledgement_app = typer.Typer(
    help="Public acknowledgements: drafted, approved by staff and partner, published.",
    no_args_is_help=True,
)
By = Annotated[str, typer.Option(help="your name")]
Reference = Annotated[str, typer.Argument(help="the partnership's reference number")]


def changed(**fields: Any) -> None:
    change = validated(AcknowledgementChange, fields)
    try:
        with database() as engine, transaction(engine) as session:
            done = apply_change(session, change, Clock().now())
    except AcknowledgementError as error:
        raise fail(str(error), 1) from None
    out.print(f"{done['partnership']}: revision {done['revision']}, {done['stage']}", markup=False)


@acknowledgement_app.command("edit")
def edit(partnership: Reference, recorded_by: By, text: TextsOption = None) -> None:
    """Replace the text (a new revision: staff and partner approve it again)."""
    changed(
        action="edit",
        partnership=partnership,
        texts=texts(text, "--text") or {},
        recorded_by=recorded_by,
    )


@acknowledgement_app.command("approve")
def approve(partnership: Reference, recorded_by: By) -> None:
    """Approve the current text for UNICEF; the partner is asked at the next run."""
    changed(action="approve", partnership=partnership, recorded_by=recorded_by)


@acknowledgement_app.command("withdraw")
def withdraw(partnership: Reference, recorded_by: By) -> None:
    """Record that the partner withdrew consent; the next run unpublishes it."""
    changed(action="withdraw", partnership=partnership, recorded_by=recorded_by)


@acknowledgement_app.command("list")
def list_all() -> None:
    """List every acknowledgement and where it stands."""
    with database() as engine, transaction(engine) as session:
        shown = ("partnership", "revision", "stage", "published")
        rows = [{key: state(item)[key] for key in shown} for item in acknowledgements(session)]
    out.print(rows_table("Acknowledgements", rows, shown))


@acknowledgement_app.command("show")
def show(partnership: Reference) -> None:
    """Show the text in each language and any changes the partner proposed."""
    with database() as engine, transaction(engine) as session:
        found = acknowledgement_of(session, partnership)
        if found is None:
            raise fail(f"no acknowledgement for {partnership!r}", 1)
        summary, written = state(found), dict(found.text)
    out.print(Text(f"{partnership}: revision {summary['revision']}, {summary['stage']}"))
    for language, body in written.items():
        out.print(Text(f"\n[{language}]\n{body}"))
    if summary["proposed_changes"]:
        out.print(Text(f"\nThe partner proposes:\n{summary['proposed_changes']}"))


@acknowledgement_app.command("draft")
def draft() -> None:
    """Draft an acknowledgement for every ended partnership that has none."""
    out.print(f"drafted {draft_acknowledgements.fn()}")


@acknowledgement_app.command("publish")
def publish() -> None:
    """Rewrite the public pages now from what both sides approved."""
    done = publish_pages.fn(Clock())
    pages = ", ".join(f"{code} {count}" for code, count in done["pages"].items()) or "none"
    out.print(f"pages: {pages}; removed: {', '.join(done['removed']) or 'none'}", markup=False)
