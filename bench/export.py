"""How long an export of partners' answers takes, and how much memory it needs, as the
number of answers grows: the rows stream from the database (`db.exports`), so the peak
should stay flat while the time grows with the rows.

For each size, a fresh SQLite database holds that many e-mail replies (one partner,
contact, partnership and check-in; each reply 300 characters, one in ten starting with
`=`). The measured work is `tasks.exports.export.write_export` of `responses` to CSV and
to XLSX; the peak is what Python allocated meanwhile (tracemalloc, which slows the run:
the seconds are measured in a run of their own).

    .venv/bin/python -m bench.export [--rows 20000 200000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

from db.engine import make_engine, transaction
from db.exports import ExportFilter
from db.migrate import upgrade
from db.models import (
    Contact,
    Message,
    Partner,
    Partnership,
    Response,
    ResponseChannel,
    TouchpointKind,
)
from tasks.exports.export import write_export

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
KIND = TouchpointKind.SUSTAINABILITY_CHECKIN
WORDS = "Les clubs continuent avec les enseignantes de Kolda; nous avons besoin d'appui. " * 4


def populated(folder: Path, rows: int) -> Engine:
    """Return an engine on a new database holding `rows` replies to one check-in."""
    url = f"sqlite:///{folder / f'bench-{rows}.db'}"
    upgrade(url)
    engine = make_engine(url)
    with transaction(engine) as session:
        partner = Partner(
            vendor_number="1", name="ASEF", country="SEN", language="fr", time_zone="Africa/Dakar"
        )
        contact = Contact(partner=partner, name="Awa", email="awa@example.org", language="fr")
        partnership = Partnership(
            reference_number="SEN/1",
            partner=partner,
            document_type="PD",
            status="ended",
            country="SEN",
        )
        message = Message(
            contact=contact, partnership=partnership, kind=KIND, language="fr", occurrence_key="k"
        )
        session.add_all([partner, contact, partnership, message])
        session.flush()
        ids = (message.id, contact.id, partnership.id)
    with engine.begin() as connection:
        for start in range(0, rows, 10_000):
            connection.execute(
                insert(Response), [reply(ids, n) for n in range(start, min(rows, start + 10_000))]
            )
    return engine


def reply(ids: tuple[int, int, int], number: int) -> dict[str, Any]:
    words = ("=" if number % 10 == 0 else "") + WORDS
    return {
        "message_id": ids[0],
        "contact_id": ids[1],
        "partnership_id": ids[2],
        "channel": ResponseChannel.EMAIL,
        "kind": str(KIND),
        "received_at": NOW + timedelta(seconds=number),
        "answers": {},
        "text": words,
        "words": words,
    }


def measured(engine: Engine, folder: Path, form: str) -> dict[str, Any]:
    path = folder / f"export.{form}"
    started = time.perf_counter()
    written = write_export(engine, "responses", form, path, ExportFilter(), NOW)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    tracemalloc.start()
    write_export(engine, "responses", form, path, ExportFilter(), NOW)  # type: ignore[arg-type]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "format": form,
        "rows": written.rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(written.rows / seconds),
        "peak_mib": round(peak / 2**20, 1),
        "file_mib": round(path.stat().st_size / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[20_000, 200_000])
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for rows in arguments.rows:
            engine = populated(folder, rows)
            for form in ("csv", "xlsx"):
                print(json.dumps(measured(engine, folder, form)), flush=True)
            engine.dispose()


if __name__ == "__main__":
    main()
