"""`continuity dkim`: what to publish in DNS for the configured DKIM key."""

from __future__ import annotations

import typer

from continuity.cli.console import fail
from tasks.mail.dkim import dkim_key, dns_record
from tasks.responses.links import sender_parts
from tasks.settings import get_settings

dkim_app = typer.Typer(help="DKIM signing of outgoing mail.", no_args_is_help=True)


@dkim_app.command("record")
def dkim_record() -> None:
    """Print the DNS TXT record receivers check signatures with, as a zone file line
    (selector, sender's domain, public key); exits 2 when DKIM is not configured."""
    settings = get_settings()
    if settings.dkim_key_file is None:
        raise fail("DKIM is off: set CONTINUITY_DKIM_SELECTOR and CONTINUITY_DKIM_KEY_FILE")
    key = dkim_key(settings.dkim_key_file)
    # Plain echo: the console would wrap a line this long where a zone file needs it whole.
    typer.echo(dns_record(settings.dkim_selector, sender_parts(settings.sender)[2], key))
