"""People for the contact-desk tests: Jean-Baptiste, whose address has an internationalised
domain, at two partners, and Moussa Fall, with no address; Awa Ndiaye of the samples, sent
a check-in, who replied by e-mail and then answered by phone (staff recorded it)."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from db.engine import transaction
from db.models import Response
from tasks.etools.importer import import_etools
from tasks.follow_up_policy import load_policy
from tasks.responses.collect import collect_mail
from tasks.responses.manual_entry import ManualResponse, record_manual_response
from tasks.settings import get_settings
from tests.exports import INTERVENTION_HEADER, PARTNER_HEADER, intervention, partner, write_export
from tests.pipeline import SENT, checkin_to, sample_mail

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
JB = "jb.ndiaye@école-kolda.sn"
JB_ASCII = "JB.Ndiaye@xn--cole-kolda-96a.sn"
JB_NAME = "Jean-Baptiste Ndiayé"


def exports(tmp_path: Path) -> tuple[Path, Path]:
    """Two partners; Jean-Baptiste works for both, Moussa Fall has no address."""
    staff = f"{JB_NAME} ({JB}), Moussa Fall"
    partners = write_export(
        tmp_path / "partners.csv",
        PARTNER_HEADER,
        [
            partner("2500900001", **{"Staff Members": staff}),
            partner("2500900002", **{"Staff Members": f"{JB_NAME} ({JB})"}),
        ],
    )
    interventions = write_export(
        tmp_path / "interventions.csv",
        INTERVENTION_HEADER,
        [
            intervention("SEN/PCA2021001/PD2021001", "2500900001"),
            intervention("SEN/PCA2021002/PD2021002", "2500900002"),
        ],
    )
    return partners, interventions


def import_into(engine: Engine, files: tuple[Path, Path]) -> dict:
    with transaction(engine) as session:
        return import_etools(session, *files, load_policy()).as_dict()


AWA = "a.ndiaye@asef-senegal.example.org"
AWA_NAME = "Awa Ndiaye"
REFERENCE = "SEN/PCA2021001/PD2021004"
# What she said by phone.
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


def phone_answer(
    engine: Engine, contact_id: int, words: str = PHONE_WORDS, reference: str = REFERENCE
) -> int:
    """Record what the contact said by phone, as staff do; return the answer's number."""
    entry = ManualResponse(
        partnership=reference,
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
