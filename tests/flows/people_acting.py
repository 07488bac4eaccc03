"""Partners' people and staff acting outside the flows, for the end-to-end privacy test:
staff suppressing a person with a reason in their own words, a measure's owner reporting
its status through the portal."""

from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from continuity.cli.main import app
from continuity.portal.app import create_app
from tasks.clock import Clock
from tasks.settings import get_settings
from tests.portal.test_app import csrf_of

PORTAL = "https://portal.example.org"


def suppress_by_staff(address: str, reason: str) -> None:
    done = CliRunner().invoke(app, ["contact", "suppress", address, "--reason", reason])
    assert done.exit_code == 0, done.output


def report_measure_status(
    engine: Engine, mails: list, address: str, described: str, words: str, now: datetime
) -> None:
    """The owner at `address` opens the mail about the measure `described` and reports it
    late, in `words`."""
    (text,) = [
        body
        for mail in mails
        if parseaddr(mail["To"])[1] == address
        for body in [mail.get_body(("plain",)).get_content()]
        if described in body
    ]
    link = next(word for word in text.split() if "/r/" in word).removeprefix(PORTAL)
    portal = create_app(get_settings(), engine)
    portal.state.portal.clock = Clock.at(now)
    client = TestClient(portal, base_url=PORTAL)
    csrf = csrf_of(client.get(link).text)
    done = client.post(link, data={"csrf": csrf, "status": "late", "comment": words})
    assert done.status_code == 200, done.text
