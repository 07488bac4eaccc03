"""`continuity outbox`: look at the outbox and decide about messages in doubt."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from sqlalchemy import Engine

from continuity.console import database, fail, out
from continuity.settings import Settings, SettingsError, get_settings
from db.engine import transaction
from db.models import MessageStatus, TouchpointKind
from db.outbox import requeue
from tasks.deliver import Clock, deliver_batch
from tasks.interruptions import recover_interrupted
from tasks.pacing import Pacer
from tasks.pipeline import clock_for
from tasks.shutdown import stop_on_signals, stop_requested

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


@outbox_app.command("deliver")
def deliver_command(
    kind: Annotated[
        list[TouchpointKind] | None, typer.Option(help="only these kinds (default: all)")
    ] = None,
    campaign: Annotated[int | None, typer.Option(help="only this campaign's messages")] = None,
    as_of: Annotated[
        str | None, typer.Option(help="ISO date-time to act for (default now)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the counts as JSON")] = False,
) -> None:
    """Deliver every due message now, batch after batch, until none is left or the mail
    server keeps failing; prints what happened to them.

    Several of these (on several machines, on PostgreSQL) drain one outbox together:
    each claims its own rows. SIGTERM or Ctrl-C finishes the batch in hand, then stops.
    """
    from continuity.cli import parse_as_of

    clock = clock_for(parse_as_of(as_of) if as_of else None)
    settings = get_settings()
    try:
        settings.required_secret_key()
    except SettingsError as error:
        raise fail(str(error)) from None
    kinds = kind or list(TouchpointKind)
    with database() as engine, stop_on_signals():
        with transaction(engine) as session:
            recovered = recover_interrupted(session, clock())
        totals = drain(engine, settings, kinds, clock, Pacer(settings.rate_limit), campaign)
    totals.update({f"recovered_{key}": value for key, value in recovered.items()})
    if as_json:
        out.print_json(data=totals)
    else:
        out.print(", ".join(f"{value} {key}" for key, value in totals.items()) or "nothing due")


def drain(
    engine: Engine,
    settings: Settings,
    kinds: list[TouchpointKind],
    clock: Clock,
    pacer: Pacer,
    campaign: int | None,
) -> dict[str, Any]:
    """Return the counts by outcome of delivering batches until none is claimed."""
    totals: Counter[str] = Counter()
    stopped = None
    while not stop_requested():
        outcome = deliver_batch(engine, settings, kinds, clock, pacer, campaign)
        totals.update(outcome.by_outcome)
        stopped = outcome.stopped
        if not outcome.claimed or stopped:
            break
    return {**totals, **({"stopped": stopped} if stopped else {})}
