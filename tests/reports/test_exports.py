"""Each export (tasks/exports/) in both formats, on a real database, read back as a
spreadsheet would."""

from __future__ import annotations

import stat
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, select

from db.engine import transaction
from db.models import Message, Response, ResponseChannel
from tasks.exports.cells import MAX_CELL, TRUNCATED
from tasks.exports.export import export_filter, write_export
from tasks.exports.files import Column, write_rows
from tasks.exports.tables import EXPORTS
from tasks.people.erasure import erase
from tasks.people.person import find_person
from tasks.staff.focal_points import add_focal_point
from tests.pipeline import SENT, checkin_to
from tests.spreadsheets import (
    ANSWERED,
    AWA,
    INJECTION,
    LONG,
    RTL,
    csv_rows,
    file_text,
    xlsx_rows,
)

LATER = SENT + timedelta(days=2)
ASEF = "Association Sénégalaise pour l'Éducation des Filles"
KCCPN = "Kenya Community Child Protection Network"
FUNITER = "Fundación Niñez y Territorio"


def exported(engine: Engine, path: Path, what: str, **filters) -> list:
    """Write export `what` to `path` (its suffix the format) and return its rows as read
    back: the header first."""
    form = path.suffix[1:]
    write_export(engine, what, form, path, export_filter(**filters), LATER)  # type: ignore[arg-type]
    return xlsx_rows(path) if form == "xlsx" else csv_rows(path)


def by_header(rows: list) -> list[dict]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.mark.parametrize("form", ["csv", "xlsx"])
@pytest.mark.parametrize("what", sorted(EXPORTS))
def test_it_writes_one_header_row_then_the_rows(
    answered: Engine, tmp_path: Path, what: str, form: str
) -> None:
    rows = exported(answered, tmp_path / f"out.{form}", what)
    assert list(rows[0]) == [column.header for column in EXPORTS[what].columns]
    assert len(rows) > 1 and all(len(row) == len(rows[0]) for row in rows)


def test_it_writes_dates_as_excel_date_times_in_utc_and_numbers_as_numbers(
    answered: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "responses.xlsx"
    (asef,) = [
        row for row in by_header(exported(answered, path, "responses")) if row["partner"] == ASEF
    ]
    assert asef["answered at (UTC)"] == ANSWERED.replace(tzinfo=None)
    assert isinstance(asef["local capacity (1-5)"], int) and asef["local capacity (1-5)"] == 4
    sheet = load_workbook(path).worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert sheet["B2"].is_date and sheet.column_dimensions["B"].width == 19
    (csv_asef,) = [
        row
        for row in by_header(exported(answered, tmp_path / "r.csv", "responses"))
        if row["partner"] == ASEF
    ]
    assert csv_asef["answered at (UTC)"] == f"{ANSWERED:%Y-%m-%d %H:%M:%S}"


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_it_neutralises_formulas_and_keeps_hostile_text_safe(
    answered: Engine, tmp_path: Path, form: str
) -> None:
    path = tmp_path / f"responses.{form}"
    rows = {row["partner"]: row for row in by_header(exported(answered, path, "responses"))}
    assert rows[ASEF]["what they wrote"] == "'" + INJECTION
    written = rows[FUNITER]["what they wrote"]
    assert written.startswith(f"'@SUM(1+1)\n{RTL} \U0001f44d ligne")
    assert not {"\x07", "\x1b", "\x0b"} & set(written)
    long = rows[KCCPN]["what they wrote"]
    assert len(long) == MAX_CELL and long.endswith(TRUNCATED) and LONG.startswith(long[:1000])
    if form == "xlsx":
        cells = load_workbook(path).worksheets[0]
        assert all(cell.data_type == "s" for cell in cells["N"][1:] if cell.value)


@pytest.mark.parametrize("form", ["csv", "xlsx"])
@pytest.mark.parametrize("what", sorted(EXPORTS))
def test_no_token_address_or_message_id_reaches_the_file(
    answered: Engine, tmp_path: Path, what: str, form: str
) -> None:
    path = tmp_path / f"out.{form}"
    exported(answered, path, what)
    text = file_text(path)
    with transaction(answered) as session:
        sent = list(session.scalars(select(Message)))
        secrets = [m.token_hash for m in sent] + [m.message_id for m in sent]
        secrets += [m.contact.email for m in sent] + [m.contact.name for m in sent]
    assert all(secret and secret not in text for secret in secrets)
    assert "AbCdEfGhIjKlMnOpQrStUv" not in text and "x.y@z.example.org" not in text


def test_the_filters_keep_countries_kinds_and_days(answered: Engine, tmp_path: Path) -> None:
    path = tmp_path / "out.csv"

    def partners(what: str, **filters) -> set[str]:
        return {row["partner"] for row in by_header(exported(answered, path, what, **filters))}

    assert partners("responses") == {ASEF, KCCPN, FUNITER}
    assert partners("responses", countries=["sn", "KEN"]) == {ASEF, KCCPN}
    assert partners("responses", countries=["COL"]) == {FUNITER}
    assert partners("responses", kinds=["reminder"]) == set()
    assert partners("responses", since=ANSWERED.date() + timedelta(days=1)) == set()
    assert partners("responses", until=ANSWERED.date()) == {ASEF, KCCPN, FUNITER}
    assert partners("responses", until=ANSWERED.date() - timedelta(days=1)) == set()
    assert partners("at-risk") == {ASEF, KCCPN}
    assert partners("at-risk", countries=["KE"]) == {KCCPN}
    assert partners("messages", countries=["SEN"]) <= {
        ASEF,
        "Réseau des Jeunes pour la Santé Communautaire de Kolda",
        "Université Cheikh Anta Diop - Laboratoire de Recherche sur l'Enfance",
    }
    every = by_header(
        exported(
            answered,
            path,
            "messages",
            kinds=["sustainability_checkin"],
            since=date(2026, 12, 1),
            until=date(2026, 12, 1),
        )
    )
    assert every and {row["kind"] for row in every} == {"sustainability_checkin"}
    assert by_header(exported(answered, path, "messages", since=date(2026, 12, 2))) == []


def test_the_at_risk_export_holds_the_reports_list_with_why(
    answered: Engine, tmp_path: Path
) -> None:
    rows = {
        row["partner"]: row for row in by_header(exported(answered, tmp_path / "r.xlsx", "at-risk"))
    }
    assert rows[ASEF]["why"] == "results not sustained"
    assert rows[ASEF]["support needed"] == "'" + INJECTION
    assert rows[KCCPN]["why"] == "local capacity 1/5"
    assert rows[KCCPN]["local capacity (1-5)"] == 1
    assert isinstance(rows[KCCPN]["answered at (UTC)"], datetime)


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_an_erased_contact_shows_nothing_of_them(
    answered: Engine, tmp_path: Path, form: str
) -> None:
    with transaction(answered) as session:
        person = find_person(session, AWA)
        number = person.contacts[0].id
        erase(session, person, "asked by phone", "Aïda", LATER, "s" * 48)
    for what in sorted(EXPORTS):
        path = tmp_path / f"{what}.{form}"
        rows = by_header(exported(answered, path, what))
        asef = [row for row in rows if row["partner"] == ASEF and row.get("kind", "") != "reminder"]
        awa = [row for row in asef if row["contact number"] in ("", None)]
        assert awa, what
        assert all(row["contact role"] in ("", None) for row in awa)
        assert str(number) not in [str(row["contact number"]) for row in rows]
        assert INJECTION not in file_text(path)  # what she wrote is forgotten


def test_auto_replies_opt_outs_and_staffs_own_answers_are_no_partners_answers(
    answered: Engine, tmp_path: Path
) -> None:
    with transaction(answered) as session:
        focal = add_focal_point(session, "Aïssatou Sow", "a.sow@unicef.example.org", "fr")
        message = checkin_to(session, AWA)
        email = {"channel": ResponseChannel.EMAIL, "received_at": ANSWERED, "text": "Absent"}
        for kind in ("auto_reply", "opt_out"):
            session.add(
                Response(message_id=message.id, contact_id=message.contact_id, kind=kind, **email)
            )
        session.add(Response(contact_id=focal.id, kind="focal_point_digest", **email))
    rows = by_header(exported(answered, tmp_path / "r.csv", "responses"))
    assert {row["kind"] for row in rows} == {"sustainability_checkin"} and len(rows) == 3


def test_a_file_appears_whole_or_not_at_all_and_only_its_owner_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("the previous export")

    def failing():
        yield (1, "a")
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        write_rows(path, "csv", "t", [Column("n"), Column("s")], failing())
    assert path.read_text() == "the previous export" and list(tmp_path.iterdir()) == [path]
    sheet = tmp_path / "r.xlsx"
    assert write_rows(sheet, "xlsx", "t", [Column("n"), Column("s")], [(1, "a")]) == 1
    assert stat.S_IMODE(sheet.stat().st_mode) == 0o600 and xlsx_rows(sheet)[1] == (1, "a")
