"""`continuity outbox`: look at the outbox and decide about messages in doubt."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from continuity.console import database, fail, out
from db.engine import transaction
from db.models import MessageStatus, TouchpointKind
from db.outbox import requeue

outbox_app = typer.Typer(help="The outbox of planned and sent messages.", no_args_is_help=True)
REQUEUEABLE = (MessageStatus.UNCONFIRMED, MessageStatus.FAILED, MessageStatus.CANCELLED)


@outbox_app.command("requeue")
def requeue_command(
    status: Annotated[
        MessageStatus, typer.Option(help="unconfirmed, failed or cancelled")
    ] = MessageStatus.UNCONFIRMED,
    kind: Annotated[TouchpointKind | None, typer.Option(help="only this touchpoint kind")] = None,
    message_id: Annotated[list[int] | None, typer.Option("--id", help="only these rows")] = None,
) -> None:
    """Send again messages whose delivery is in doubt (unconfirmed) or failed.

    An unconfirmed message may already have reached its recipient: requeue it only once
    you have decided a duplicate is better than a missing message.
    """
    if status not in REQUEUEABLE:
        raise fail(f"only {', '.join(REQUEUEABLE)} messages can be requeued, not {status}")
    with database() as engine, transaction(engine) as session:
        count = requeue(session, status, datetime.now(UTC), kind, message_id or ())
    out.print(f"requeued {count} {status} message(s); the next run of their flow sends them")
