"""`continuity response`: what partners wrote (list, handle) and answers entered by staff
(add)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.text import Text

from continuity.cli.console import database, err, fail, out, validated
from continuity.cli.options import parse_as_of
from db.engine import transaction
from db.partner_messages import MessageFilter, partner_messages
from db.partners import partners_by_vendor_number
from db.partnerships import partnership_by_reference
from tasks.calendars import Calendars
from tasks.clock import Clock
from tasks.responses.manual_entry import (
    ManualEntryError,
    ManualResponse,
    contact_named,
    record_manual_response,
)
from tasks.responses.partner_messages import HandlingError, handle_message, message_row
from tasks.settings import get_settings

response_app = typer.Typer(
    help="What partners wrote, and answers received outside e-mail and the portal.",
    no_args_is_help=True,
)


@response_app.command("list")
def list_messages(
    partnership: Annotated[str | None, typer.Option(help="reference number")] = None,
    partner: Annotated[str | None, typer.Option(help="vendor number")] = None,
    since: Annotated[str | None, typer.Option(help="ISO date or date-time")] = None,
    unhandled: Annotated[bool, typer.Option(help="only what nobody has dealt with")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="a JSON array")] = False,
    limit: Annotated[int, typer.Option(min=0, help="newest N (0: all)")] = 200,
) -> None:
    """Show what partners wrote (replies, portal answers' news and comments, notes of
    calls), newest first, with whether someone has dealt with it."""
    wanted = MessageFilter(partnership, partner, parse_as_of(since), unhandled)
    now = Clock().now()
    with database() as engine, transaction(engine) as session:
        _check_known(session, wanted)
        found = partner_messages(session, wanted, limit + 1 if limit else None)
        calendars = Calendars(session)
        rows = [message_row(r, now, calendars) for r in found[: limit or None]]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        _print_messages(rows)
    if limit and len(found) > limit:
        err.print(f"the {limit} newest shown; --limit 0 shows all", highlight=False)


def _check_known(session: Any, wanted: MessageFilter) -> None:
    """Exit 1 for a partnership or partner the database does not know (a typo would
    otherwise read as "nothing said")."""
    if wanted.partnership and partnership_by_reference(session, wanted.partnership) is None:
        raise fail(f"no partnership with reference {wanted.partnership!r}", 1)
    if wanted.partner and not partners_by_vendor_number(session, [wanted.partner]):
        raise fail(f"no partner with vendor number {wanted.partner!r}", 1)


def _print_messages(rows: list[dict[str, Any]]) -> None:
    zone = ZoneInfo(get_settings().timezone)
    if not rows:
        out.print("no partner messages", highlight=False)
    for row in rows:
        received = datetime.fromisoformat(row["received_at"]).astimezone(zone)
        state = (
            f"handled by {row['handled_by']}"
            if row["handled"]
            else f"unhandled, {row['waiting_working_days']} working days"
        )
        head = Text(f"#{row['id']}  {received:%Y-%m-%d %H:%M %Z}  {row['channel']}  ")
        head.append(f"{row['kind']}  {state}", style="bold" if not row["handled"] else "dim")
        out.print(head)
        who = f"{row['partner'] or '?'}  {row['partnership'] or '?'}  from {row['contact'] or '?'}"
        out.print(Text(who, style="cyan"))
        out.print(Text(row["text"]), soft_wrap=True)
        if row["handled_note"]:
            out.print(Text(f"handled: {row['handled_note']}", style="dim"))
        out.print()


@response_app.command("handle")
def handle(
    ident: Annotated[int, typer.Argument(metavar="ID", help="the message's id (response list)")],
    by: Annotated[str, typer.Option("--by", help="your name")],
    note: Annotated[str, typer.Option(help="what you did (called back, answered…)")] = "",
) -> None:
    """Record that you dealt with a partner's message, and how."""
    try:
        with database() as engine, transaction(engine) as session:
            response = handle_message(session, ident, by, note, Clock().now())
            handled_by = response.handled_by
    except HandlingError as error:
        raise fail(str(error), 1) from None
    out.print(Text(f"message {ident} handled by {handled_by}"))


@response_app.command("add")
def add_response(
    partnership: Annotated[str, typer.Option(help="reference number")],
    kind: Annotated[str, typer.Option(help="sustainability_checkin, consultation_invitation, …")],
    channel: Annotated[str, typer.Option(help="phone, meeting or other")] = "phone",
    contact: Annotated[
        str, typer.Option(help="name, address (either form) or number of the contact who answered")
    ] = "",
    sustained: Annotated[str | None, typer.Option(help="yes, partly or no")] = None,
    capacity: Annotated[int | None, typer.Option(help="1 (not at all) to 5 (fully)")] = None,
    attending: Annotated[str | None, typer.Option(help="yes, no or maybe")] = None,
    comment: Annotated[str, typer.Option()] = "",
    support_needed: Annotated[str, typer.Option(help="check-ins: the support they need")] = "",
    news: Annotated[str, typer.Option(help="check-ins: their news")] = "",
    policy_changes: Annotated[str, typer.Option(help="check-ins: policy changes")] = "",
    recorded_by: Annotated[str, typer.Option(help="your name")] = "",
) -> None:
    """Record an answer given by phone, in a meeting or otherwise, with what the partner
    said (the Prefect form takes no words: Prefect keeps a form's values)."""
    fields = {
        "partnership": partnership,
        "kind": kind,
        "channel": channel,
        "sustained": sustained,
        "capacity": capacity,
        "attending": attending,
        "comment": comment,
        "support_needed": support_needed,
        "news": news,
        "policy_changes": policy_changes,
        "recorded_by": recorded_by,
    }
    try:
        with database() as engine, transaction(engine) as session:
            number = contact_named(session, partnership, contact)
            entry = validated(ManualResponse, fields | {"contact": number})
            response = record_manual_response(session, entry, Clock().now())
            identifier, revision = response.id, response.revision
    except ManualEntryError as error:
        raise fail(str(error), 1) from None
    out.print(f"recorded response {identifier} (revision {revision})")
