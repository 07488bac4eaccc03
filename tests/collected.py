"""A database with check-ins sent and one inbound mail of each common kind collected:
what the retention and privacy tests start from."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from db.models import MessageStatus, TouchpointKind
from tasks.responses.collect import collect_mail
from tasks.settings import get_settings
from tests.pipeline import SAMPLES_DIR, deliver_all, messages, plan, sample_mail

SENT = datetime(2026, 12, 1, 12, tzinfo=UTC)
COLLECTED = SENT + timedelta(days=1)
AWA = "a.ndiaye@asef-senegal.example.org"
KAMAU = "p.kamau@kccpn.example.or.ke"
MBARGA = "jp.mbarga@enfance-avenir.example.cm"
# What the mail that carried no answer said and who sent it.
UNMATCHED = (
    "apply to work",
    "Someone Else",
    "someone@elsewhere.example",
    "Question about a new partnership",
)


def collect_samples(engine: Engine, env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Send the check-ins at `SENT`; collect at `COLLECTED` a reply (an answer) from Awa
    Ndiaye, an unmatched mail, an auto-reply, a hard bounce and an unsubscribe request."""
    env.setenv("CONTINUITY_INBOX_URL", f"maildir://{tmp_path / 'inbox'}")
    get_settings.cache_clear()
    plan(engine, TouchpointKind.SUSTAINABILITY_CHECKIN, SENT)
    deliver_all(engine, [TouchpointKind.SUSTAINABILITY_CHECKIN], SENT)
    sent = {m.contact.email: m for m in messages(engine, status=MessageStatus.SENT)}
    box = mailbox.Maildir(tmp_path / "inbox", create=True)
    box.add(sample_mail("reply-fr.eml", sent[AWA]))
    box.add((SAMPLES_DIR / "unmatched.eml").read_bytes())
    box.add(sample_mail("autoreply-en.eml", sent[KAMAU]))
    box.add(sample_mail("postfix-dsn-hard.eml", sent[MBARGA]))
    box.add(sample_mail("unsubscribe.eml", sent[KAMAU]))
    counts = collect_mail(engine, get_settings(), COLLECTED).counts
    assert counts == {"reply": 1, "unmatched": 1, "auto_reply": 1, "bounce": 1, "unsubscribe": 1}


def database_files(engine: Engine) -> bytes:
    """A SQLite database's file and its write-ahead log, as bytes on disk."""
    database = Path(str(engine.url.database))
    wal = database.with_name(database.name + "-wal")
    return database.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
