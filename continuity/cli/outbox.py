"""`continuity outbox`: look at the outbox and decide about messages in doubt."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import typer

from continuity.cli.console import database, fail, out, validated
from continuity.cli.options import real_as_of
from db.campaigns import due_by_campaign, settle
from db.engine import for_writing, transaction
from db.models import MessageStatus, TouchpointKind
from db.outbox_decisions import held_groups, requeue
from tasks.clock import Clock
from tasks.outbox.deferrals import reevaluate_deferred
from tasks.outbox.deliver import deliver_batch
from tasks.outbox.drain import drain
from tasks.outbox.holds import release_held
from tasks.outbox.pacing import Pacer
from tasks.outbox.recovery import recover_interrupted
from tasks.outbox.releases import Release, ReleaseError, release
from tasks.outbox.render import RenderError
from tasks.outbox.shutdown import stop_on_signals
from tasks.settings import SettingsError, get_settings

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
    with database() as engine, transaction(for_writing(engine)) as session:
        count = requeue(session, status, Clock().now(), kind, message_id or ())
    out.print(f"requeued {count} {status} message(s); the next run of their flow sends them")


@outbox_app.command("held")
def held_command(
    campaign: Annotated[int | None, typer.Option(help="only this campaign's messages")] = None,
) -> None:
    """List the messages held because their run's render check failed, by campaign, kind
    and reason (none of them is sent until released)."""
    with database() as engine, transaction(engine) as session:
        groups = held_groups(session, campaign)
    if not groups:
        out.print("no message is held")
        return
    for group in groups:
        out.print(
            f"campaign {group['campaign']} ({group['name']}): {group['messages']}"
            f" {group['kind']} message(s), ids {group['ids']}: {group['reason']}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


@outbox_app.command("release")
def release_command(
    campaign: Annotated[int | None, typer.Option(help="only this campaign's messages")] = None,
    message_id: Annotated[list[int] | None, typer.Option("--id", help="only these rows")] = None,
    now: Annotated[
        bool, typer.Option("--now", help="deferred and held ones too, due now, window set aside")
    ] = False,
    at: Annotated[
        str | None, typer.Option(help="deferred and held ones too, due at this ISO time")
    ] = None,
    kind: Annotated[TouchpointKind | None, typer.Option(help="with --now/--at: this kind")] = None,
    country: Annotated[
        str | None, typer.Option(help="with --now/--at: partners in this country (SN, SEN)")
    ] = None,
    by: Annotated[str, typer.Option(help="with --now/--at: who decides")] = "",
    reason: Annotated[str, typer.Option(help="with --now/--at: why, one line")] = "",
) -> None:
    """Send held messages after all: they are rendered again first, and released only if
    every one renders (all held messages when neither option is given). Cancel them
    instead with `continuity campaign cancel ID`.

    With --now or --at, the messages of a campaign, kind and/or country still waiting
    (held, or deferred to their recipients' sending window or a later time) are released
    too: --now sends them at the next delivery even outside the window, --at sets their
    due time; --by and --reason are kept with each message.
    """
    if now or at is not None:
        if message_id:
            raise fail("--id goes without --now/--at (choose by --campaign, --kind, --country)")
        asked = {"campaign": campaign, "kind": kind, "country": country, "by": by, "reason": reason}
        return release_waiting(asked, now, at)
    with database() as engine:
        try:
            with transaction(for_writing(engine)) as session:
                count = release_held(
                    session, get_settings(), Clock().now(), campaign, message_id or ()
                )
        except RenderError as error:
            raise fail(str(error), 1) from None
    if not count:
        out.print("no held message matches")
        return
    out.print(f"released {count} held message(s); the next delivery sends them")


def release_waiting(asked: dict[str, Any], now: bool, at: str | None) -> None:
    """Release the waiting messages `asked` chooses now or `at` a time; one line on stderr
    for anything refused."""
    if now and at is not None:
        raise fail("give --now or --at, not both")
    action = "release now" if now else "release at"
    chosen = validated(Release, {**asked, "action": action, "at": at})
    with database() as engine:
        try:
            with transaction(for_writing(engine)) as session:
                done = release(session, chosen, get_settings(), Clock().now())
        except (ReleaseError, RenderError) as error:
            raise fail(str(error), 1) from None
    if not done["released"]:
        out.print("no waiting message matches")
        return
    when = "at the next delivery" if now else f"from {done['due_at']}"
    count, held = done["released"], done["held_released"]
    out.print(f"released {count} message(s) ({held} of them held); they go {when}")


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
    each claims its own rows. The status of the campaigns delivered for then follows
    their messages. SIGTERM or Ctrl-C finishes the batch in hand, then stops.
    """
    clock = Clock.at(real_as_of(as_of))
    settings = get_settings()
    try:
        settings.required_secret_key()
    except SettingsError as error:
        raise fail(str(error)) from None
    kinds = kind or list(TouchpointKind)
    with database() as engine, stop_on_signals():
        # Both read, then write: SQLite's write lock is taken up front (db/engine.py).
        with transaction(for_writing(engine)) as session:
            recovered = recover_interrupted(session, clock.now())
            due = due_by_campaign(session, kinds, clock.now(), campaign)
            moved = reevaluate_deferred(session, settings.window, clock.now())
        pacer = Pacer(settings.rate_limit)
        drained = drain(partial(deliver_batch, engine, settings, kinds, clock, pacer, campaign))
        with transaction(for_writing(engine)) as session:
            settle(session, due)
    totals = drained.as_dict()
    totals.update({f"recovered_{key}": value for key, value in recovered.items()})
    totals.update({"deferral_moved": moved} if moved else {})
    if as_json:
        out.print_json(data=totals)
    else:
        out.print(", ".join(f"{value} {key}" for key, value in totals.items()) or "nothing due")
