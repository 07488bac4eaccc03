"""`continuity contact`: the contact desk. A person is named by their address (either form
of its domain, any case) or their contact number; a person at several partners is shown
and acted on as each of their contact rows. Names and words go to the terminal only."""

from __future__ import annotations

import getpass
import json
import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.text import Text

from continuity.cli.console import database, fail, out, rows_table
from db.engine import OldPagesKeptError, for_writing, purge_old_pages, transaction
from tasks.clock import Clock
from tasks.countries import SUPPORTED_LANGUAGES
from tasks.people.changes import ETOOLS_ROLE, PARTNER_ZONE, reinstate, set_details, suppress
from tasks.people.do_not_contact import erased_on
from tasks.people.erasure import erase
from tasks.people.export import export
from tasks.people.person import Person, PersonError, find_person
from tasks.people.profile import erased_profile, profile
from tasks.settings import SettingsError, get_settings

contact_app = typer.Typer(help="The contact desk: partners' people.", no_args_is_help=True)

Ident = Annotated[str, typer.Argument(metavar="ADDRESS", help="e-mail address or contact number")]
Reason = Annotated[str, typer.Option(help="why (kept in the contact's history); required")]
By = Annotated[str, typer.Option(help="who decides (default: your login name)")]


def actor(by: str) -> str:
    """Return who acts: `--by`, else the login name."""
    if by.strip():
        return by
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "staff"


def on_a_terminal() -> bool:
    return sys.stdin.isatty()


def say(line: str) -> None:
    out.print(line, highlight=False, markup=False, soft_wrap=True)


@contact_app.command("show")
def show(
    ident: Ident,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Show the person: partner, role, language, time zone, status (why, since when),
    history, messages and answers; for an erased address, when it was erased."""
    with database() as engine, transaction(engine) as session:
        try:
            shown = profile(session, find_person(session, ident))
        except PersonError as error:
            when = erased_on(session, ident)
            if when is None:
                raise fail(str(error), 1) from None
            shown = {"contacts": [erased_profile(when)]}
    if as_json:
        print(json.dumps(shown, ensure_ascii=False, indent=2))
        return
    for contact in shown["contacts"]:
        print_contact(contact)


contact_app.command("history", hidden=True, help="The same as show.")(show)


def print_contact(contact: dict[str, Any]) -> None:
    number = f"contact {contact['number']}: " if "number" in contact else ""
    if contact["status"] == "erased":
        say(f"{number}erased on {moment(contact['erased_at'])}")
        return
    say(f"{number}{contact['name']} <{contact['address'] or 'no address'}>")
    by_staff = " (set by staff)" if contact["role_set_by_staff"] else ""
    say(f"  partner: {contact['partner']} ({contact['vendor_number']})")
    say(f"  role: {contact['role']}{by_staff}")
    zone = "their own" if contact["time_zone_set_for_them"] else "the partner's"
    say(f"  language: {contact['language']}, time zone: {contact['time_zone']} ({zone})")
    state = contact["status"] + ("" if contact["active"] else ", inactive")
    why = f": {contact['why']}" if contact["why"] else ""
    since = f" since {moment(contact['since'])}" if contact["since"] else ""
    say(f"  status: {state}{why}{since}")
    counts = ", ".join(f"{n} {status}" for status, n in contact["messages_by_status"].items())
    say(f"  messages: {contact['messages']}{f' ({counts})' if counts else ''}")
    say(f"  answers: {contact['answers']}")
    rows = [
        {
            "at": moment(event["at"]),
            "by": event["by"],
            "what": event["what"],
            "details": ", ".join(f"{k}: {detail(v)}" for k, v in event["details"].items()),
        }
        for event in contact["history"]
    ]
    out.print(rows_table("History", rows, ("at", "by", "what", "details")))


def moment(iso: str) -> str:
    """Return an ISO moment to the minute, in UTC as stored."""
    return f"{datetime.fromisoformat(iso).astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def detail(value: Any) -> str:
    """Return a history detail as read: a change as `before → after`."""
    if isinstance(value, list) and len(value) == 2:
        return " → ".join("-" if side is None else str(side) for side in value)
    return str(value)


def who(contact: Any) -> str:
    return f"contact {contact.id}: {contact.name} ({contact.partner.name})"


def person_or_exit(session: Any, ident: str) -> Person:
    try:
        return find_person(session, ident)
    except PersonError as error:
        raise fail(str(error), 1) from None


@contact_app.command("suppress")
def suppress_command(ident: Ident, reason: Reason = "", by: By = "") -> None:
    """Stop all mail to the person (they asked by phone, the address is dead)."""
    try:
        with database() as engine, transaction(engine) as session:
            done = suppress(session, person_or_exit(session, ident), reason, actor(by), now())
            lines = [f"suppressed: {who(contact)}" for contact in done]
    except PersonError as error:
        raise fail(str(error), 1) from None
    for line in lines:
        say(line)


@contact_app.command("reinstate")
def reinstate_command(ident: Ident, reason: Reason = "", by: By = "") -> None:
    """Mail a suppressed person again (a mailbox that was full, a server fixed)."""
    try:
        with database() as engine, transaction(engine) as session:
            done = reinstate(session, person_or_exit(session, ident), reason, actor(by), now())
            lines = [f"suppression lifted: {who(contact)}" for contact in done]
    except PersonError as error:
        raise fail(str(error), 1) from None
    for line in lines:
        say(line)


@contact_app.command("set")
def set_command(
    ident: Ident,
    language: Annotated[
        str | None, typer.Option(help=f"one of {', '.join(SUPPORTED_LANGUAGES)}")
    ] = None,
    time_zone: Annotated[
        str | None,
        typer.Option(help=f"IANA time zone (Africa/Dakar), or {PARTNER_ZONE!r}: the partner's"),
    ] = None,
    role: Annotated[
        str | None,
        typer.Option(help=f"their role (Coordinatrice, Thiès), or {ETOOLS_ROLE!r}: eTools' own"),
    ] = None,
    reason: Reason = "",
    by: By = "",
) -> None:
    """Set the person's language, time zone or role; eTools imports keep what is set here."""
    wanted = {"language": language, "time_zone": time_zone, "role": role}
    try:
        with database() as engine, transaction(engine) as session:
            person = person_or_exit(session, ident)
            done = set_details(session, person, wanted, reason, actor(by), now())
            lines = [
                f"set: {who(c)}: language {c.language}, time zone {c.local_time_zone},"
                f" role {c.role}"
                for c in done
            ]
    except PersonError as error:
        raise fail(str(error), 1) from None
    for line in lines:
        say(line)


@contact_app.command("export")
def export_command(ident: Ident) -> None:
    """Print, as JSON, everything held about the person (an access request)."""
    with database() as engine, transaction(engine) as session:
        document = export(session, person_or_exit(session, ident), now())
    print(json.dumps(document, ensure_ascii=False, indent=2))


@contact_app.command("erase")
def erase_command(
    ident: Ident,
    reason: Reason = "",
    by: By = "",
    yes: Annotated[bool, typer.Option("--yes", help="do not ask (scripts)")] = False,
) -> None:
    """Erase the person for good: name, address, words, mail from them; their answers
    stay counted, anonymised, and no import brings them back."""
    try:
        secret = get_settings().required_secret_key()
        with database() as engine:
            with transaction(engine) as session:
                confirmed(person_or_exit(session, ident), yes)
            # Asked outside any transaction: a read held open at the prompt would keep
            # SQLite's log from being purged; the erasure takes the write lock up front.
            with transaction(for_writing(engine)) as session:
                person = person_or_exit(session, ident)
                done = erase(session, person, reason, actor(by), now(), secret)
            numbers = ", ".join(map(str, done.contacts))
            say(
                f"erased: contact {numbers}; {done.answers} answers anonymised, "
                f"{done.mails} mails cleared"
            )
            purge_old_pages(engine)
    except (PersonError, SettingsError) as error:
        raise fail(str(error), 1) from None
    except OldPagesKeptError as error:
        raise fail(f"erased in the database, but {error}", 1) from None


def confirmed(person: Person, yes: bool) -> None:
    """Return when the erasure may go on: `--yes`, or staff said so on a terminal."""
    if yes or person.erased:
        return  # an erased person: `erase` says so
    if not on_a_terminal():
        raise fail("erasing cannot be undone: confirm on a terminal, or pass --yes", 1)
    for contact in person.contacts:
        out.print(Text(f"{who(contact)} <{contact.email or 'no address'}>"))
    if not typer.confirm("Erase this person for good?", default=False):
        raise fail("nothing erased", 1)


def now() -> datetime:
    return Clock().now()
