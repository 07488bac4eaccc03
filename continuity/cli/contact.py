"""`continuity contact`: a partner's person as staff see them, and a suppression lifted."""

from __future__ import annotations

from typing import Annotated

import typer

from continuity.cli.console import database, fail, out, rows_table
from db.contacts import contact_history, contacts_with_address
from db.engine import transaction
from tasks.clock import Clock
from tasks.responses.suppressions import SuppressionError, lift_suppression

contact_app = typer.Typer(help="Partners' contacts.", no_args_is_help=True)


@contact_app.command("reinstate")
def reinstate(
    address: Annotated[str, typer.Argument(help="the contact's e-mail address")],
    reason: Annotated[str, typer.Option(help="why (kept in the contact's history)")] = "",
    by: Annotated[str, typer.Option(help="your name")] = "",
) -> None:
    """Mail a suppressed contact again (a mailbox that was full, a server fixed), with the
    reason written to their history."""
    try:
        with database() as engine, transaction(engine) as session:
            lifted = lift_suppression(session, address, reason, by, Clock().now())
            names = [f"{contact.name} ({contact.partner.name})" for contact in lifted]
    except SuppressionError as error:
        raise fail(str(error), 1) from None
    for name in names:
        out.print(f"suppression lifted: {name}", highlight=False, markup=False)


@contact_app.command("history")
def history(address: Annotated[str, typer.Argument(help="the contact's e-mail address")]) -> None:
    """Show the contact's state (opted out, suppressed and why) and their history."""
    with database() as engine, transaction(engine) as session:
        contacts = contacts_with_address(session, address)
        if not contacts:
            raise fail("no contact has this address", 1)
        for contact in contacts:
            state = contact.unreachable_reason() or "reachable"
            out.print(
                f"contact {contact.id}: {contact.name} ({contact.partner.name}): {state}",
                highlight=False,
                markup=False,
            )
            rows = [
                {
                    "at": f"{event.at:%Y-%m-%d %H:%M}",
                    "by": event.actor,
                    "what": event.action,
                    "details": ", ".join(f"{k}: {v}" for k, v in event.details.items()),
                }
                for event in contact_history(session, contact.id)
            ]
            out.print(rows_table("History", rows, ("at", "by", "what", "details")))
