"""`continuity response add`: answers entered by staff."""

from __future__ import annotations

from typing import Annotated

import typer

from continuity.cli.console import database, fail, out, validated
from db.engine import transaction
from tasks.clock import Clock
from tasks.responses.manual_entry import ManualEntryError, ManualResponse, record_manual_response

response_app = typer.Typer(
    help="Answers received outside e-mail and the portal.", no_args_is_help=True
)


@response_app.command("add")
def add_response(
    partnership: Annotated[str, typer.Option(help="reference number")],
    kind: Annotated[str, typer.Option(help="sustainability_checkin, consultation_invitation, …")],
    channel: Annotated[str, typer.Option(help="phone, meeting or other")] = "phone",
    contact: Annotated[str, typer.Option(help="name of the contact who answered")] = "",
    sustained: Annotated[str | None, typer.Option(help="yes, partly or no")] = None,
    capacity: Annotated[int | None, typer.Option(help="1 (not at all) to 5 (fully)")] = None,
    attending: Annotated[str | None, typer.Option(help="yes, no or maybe")] = None,
    comment: Annotated[str, typer.Option()] = "",
    recorded_by: Annotated[str, typer.Option(help="your name")] = "",
) -> None:
    """Record an answer given by phone, in a meeting or otherwise."""
    entry = validated(
        ManualResponse,
        {
            "partnership": partnership,
            "contact_name": contact,
            "kind": kind,
            "channel": channel,
            "sustained": sustained,
            "capacity": capacity,
            "attending": attending,
            "comment": comment,
            "recorded_by": recorded_by,
        },
    )
    try:
        with database() as engine, transaction(engine) as session:
            response = record_manual_response(session, entry, Clock().now())
            identifier, revision = response.id, response.revision
    except ManualEntryError as error:
        raise fail(str(error), 1) from None
    out.print(f"recorded response {identifier} (revision {revision})")
