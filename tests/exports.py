"""Builders for eTools exports in tests, with the real header rows of the shipped samples."""

from __future__ import annotations

import csv
import io
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "etools"


def _header(name: str) -> list[str]:
    with (SAMPLES / name).open(encoding="utf-8", newline="") as file:
        return next(csv.reader(file))


PARTNER_HEADER = _header("partners.csv")
INTERVENTION_HEADER = _header("interventions.csv")


def partner(vendor: str = "2500900001", **cells: str) -> dict[str, str]:
    return {
        "Vendor Number": vendor,
        "Organizations Full Name": f"Association {vendor}",
        "Short Name": f"A{vendor[-3:]}",
        "Partner Type": "Civil Society Organization/National",
        "Staff Members": f"Awa Diop (awa.{vendor}@example.org)",
        "Marked for Deletion": "No",
        **cells,
    }


def intervention(
    reference: str = "SEN/PCA2021001/PD2021001", vendor: str = "2500900001", **cells: str
) -> dict[str, str]:
    return {
        "Partner": f"Association {vendor}",
        "Vendor Number": vendor,
        "Status": "ended",
        "Document Type": "PD",
        "Reference Number": reference,
        "Document Title": "Maintien des filles à l'école",
        "Start Date": "2021-01-01",
        "End Date": "2024-12-31",
        "UNICEF Office": "Dakar",
        "Sections": "Education, Gender",
        "UNICEF Focal Points": "Aïssatou Sow",
        **cells,
    }


def export_text(header: list[str], rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, header, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row.get(column, "") for column in header})
    return buffer.getvalue()


def write_export(
    path: Path, header: list[str], rows: list[dict[str, str]], bom: bool = False
) -> Path:
    path.write_bytes(("\ufeff" if bom else "").encode() + export_text(header, rows).encode())
    return path
