"""`continuity inbox`: the mail that waits for staff, its bytes, and why collection reads
a mail as it does."""

from __future__ import annotations

import json
import mailbox
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from continuity.cli.console import database, fail, out, rows_table
from db.engine import transaction
from db.inbound import inbound_by_id, waiting_for_staff
from tasks.mail.classification import read_mail
from tasks.mail.inbox import MAX_MAIL_BYTES
from tasks.settings import get_settings

inbox_app = typer.Typer(help="Mail read from the inbox.", no_args_is_help=True)


@inbox_app.command("unmatched")
def unmatched(limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50) -> None:
    """List, newest first, the mail that changed nothing and waits for a person: mail that
    matched none of our messages, quarantined mail with its error, and bounces or
    complaints that did not prove they are about a message of ours."""
    with database() as engine, transaction(engine) as session:
        rows = [
            {
                "id": mail.id,
                "received": f"{mail.received_at:%Y-%m-%d %H:%M}",
                "kind": mail.classification,
                "from": mail.from_address,
                "subject": mail.subject,
                "why": mail.details.get("error") or mail.details.get("why_not") or "",
            }
            for mail in waiting_for_staff(session, limit)
        ]
    out.print(rows_table("Inbound mail waiting for staff", rows, ("id", "kind", "why")))


@inbox_app.command("raw")
def raw(
    inbound_id: Annotated[int, typer.Argument(help="the id `inbox unmatched` shows")],
    output: Annotated[Path | None, typer.Option(help="write here instead of stdout")] = None,
) -> None:
    """Write a quarantined mail's bytes, exactly as they arrived (to read it in a mail
    client, or to give it to `inbox classify`)."""
    with database() as engine, transaction(engine) as session:
        mail = inbound_by_id(session, inbound_id)
        content = mail.raw if mail is not None else None
    if content is None:
        raise fail(f"no quarantined mail {inbound_id}: only quarantined mail is kept whole", 1)
    if output is None:
        sys.stdout.buffer.write(content)
    else:
        output.write_bytes(content)


@inbox_app.command("classify")
def classify(
    files: Annotated[list[Path], typer.Argument(help=".eml files or Maildir folders")],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """Print what collection would decide for each mail, touching no database: its kind,
    the failed addresses, reason and hard/soft of a bounce, the text of a reply. Our signed
    addresses and Message-IDs are checked with CONTINUITY_SECRET_KEY when it is set."""
    secret_key = get_settings().secret_key
    secret = secret_key.get_secret_value() if secret_key else ""
    for name, content in _mails(files):
        if isinstance(content, str):
            found: dict[str, Any] = {"kind": "quarantined", "error": content}
        else:
            found = read_mail(content, secret).summary()
        found = {"file": name, **found}
        if as_json:
            print(json.dumps(found, ensure_ascii=False), flush=True)
        else:
            out.print(_line(found), highlight=False, markup=False)


def _mails(paths: list[Path]) -> Iterator[tuple[str, bytes | str]]:
    """Yield (name, bytes) for every mail the paths name, or (name, error) for one that
    cannot be read."""
    for path in paths:
        if (path / "cur").is_dir() or (path / "new").is_dir():
            box = mailbox.Maildir(path, create=False)
            for key in sorted(box.iterkeys()):
                with box.get_file(key) as file:
                    yield f"{path}/{key}", file.read(MAX_MAIL_BYTES)
            continue
        try:
            with path.open("rb") as file:
                yield str(path), file.read(MAX_MAIL_BYTES)
        except OSError as error:
            yield str(path), f"cannot read: {error.strerror or error}"


def _line(found: dict[str, Any]) -> str:
    details = [found["kind"]]
    if "recipients" in found:
        details.append(", ".join(found["recipients"]) or "no address")
        details.append(f"{'hard' if found['hard'] else 'soft'} ({found['reason']})")
    if found.get("error"):
        details.append(found["error"])
    if found.get("text"):
        details.append(repr(found["text"][:200]))
    return f"{found['file']}: " + " · ".join(details)
