"""A person with a history, for the contact-desk tests: Awa Ndiaye of ASEF, sent a
check-in, who replied by e-mail and then answered by phone (staff recorded it)."""

from __future__ import annotations

import mailbox
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from db.engine import transaction
from db.models import Response
from tasks.responses.collect import collect_mail
from tasks.responses.manual_entry import ManualResponse, record_manual_response
from tasks.settings import get_settings
from tests.pipeline import SENT, checkin_to, sample_mail

AWA = "a.ndiaye@asef-senegal.example.org"
AWA_NAME = "Awa Ndiaye"
REFERENCE = "SEN/PCA2021001/PD2021004"
# What she wrote in her e-mail reply (samples/mail/reply-fr.eml) and said by phone.
REPLY_WORDS = "nous\nmanquons d'enseignantes formées"
PHONE_WORDS = "Le comité de gestion des cantines a repris la main en mars."
REPLIED = SENT + timedelta(days=1)
PHONED = SENT + timedelta(days=3)


def reply_by_mail(engine: Engine, inbox: Path, address: str = AWA) -> None:
    """Put her reply to her check-in in the inbox, and collect it."""
    with transaction(engine) as session:
        message = checkin_to(session, address)
        raw = sample_mail("reply-fr.eml", message)
    mailbox.Maildir(inbox, create=True).add(raw)
    collect_mail(engine, get_settings(), REPLIED)


def phone_answer(engine: Engine, contact_id: int, words: str = PHONE_WORDS) -> int:
    """Record what she said by phone, as staff do; return the answer's number."""
    entry = ManualResponse(
        partnership=REFERENCE,
        contact=contact_id,
        kind="sustainability_checkin",
        sustained="partly",
        capacity=3,
        comment=words,
        recorded_by="Aïda Faye",
    )
    with transaction(engine) as session:
        return record_manual_response(session, entry, PHONED).id


def response_count(engine: Engine) -> int:
    with transaction(engine) as session:
        return session.scalar(select(func.count()).select_from(Response)) or 0


def database_bytes(engine: Engine) -> bytes:
    """Return the bytes of every file of a SQLite database (the database, its WAL)."""
    path = Path(str(make_url(str(engine.url)).database))
    return b"".join(
        found.read_bytes() for found in sorted(path.parent.glob(f"{path.name}*")) if found.is_file()
    )


def figures(engine: Engine, now: datetime) -> dict[str, Any]:
    """Return the relationship report's figures: each section's number of rows, and the
    response rates row by row."""
    from tasks.reports.relationship import report

    with transaction(engine) as session:
        sections = report(session, now)
    return {name: len(rows) for name, rows in sections.items()} | {
        "rates": sections["response_rates"]
    }
