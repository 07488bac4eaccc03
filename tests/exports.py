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


def export_text(header: list[str], rows: list[dict[str, str]], delimiter: str = ",") -> str:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, header, lineterminator="\r\n", delimiter=delimiter)
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row.get(column, "") for column in header})
    return buffer.getvalue()


def write_export(
    path: Path,
    header: list[str],
    rows: list[dict[str, str]],
    bom: bool = False,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    """Write an export; `encoding="utf-16"` writes a byte-order mark as Python does
    (little-endian here), "utf-16-be" none unless `bom`."""
    text = ("\ufeff" if bom else "") + export_text(header, rows, delimiter)
    path.write_bytes(text.encode(encoding))
    return path


def philippines_rows() -> list[dict[str, str]]:
    """Programme documents as the Philippines workspace (code PHI, ISO PHL) writes them,
    an amendment among them (as in the partner reporting portal's own tests)."""
    common = {"UNICEF Office": "Manila", "Country Programmes": "PHI CP 2019-2023"}
    return [
        intervention(
            "PHI/PCA2019106/PD2022214-1",
            "2500237821",
            Agreement="PHI/PCA2019106",
            **{"Document Title": "Bayanihan para sa Edukasyon", "Budget Currency": "PHP"},
            **common,
        ),
        intervention(
            "PHI/PCA2019106/PD2020101",
            "2500237821",
            Status="closed",
            Agreement="PHI/PCA2019106",
            **{"Start Date": "2020-03-01", "End Date": "2021-12-31"},
            **common,
        ),
    ]


def lebanon_rows() -> list[dict[str, str]]:
    """Programme documents as eTools' own tests number them (workspace code LEBA)."""
    common = {"UNICEF Office": "Beirut", "Agreement": "LEBA/PCA2018001"}
    return [
        intervention("LEBA/PCA2018001/PD201801", "2500240010", **common),
        intervention(
            "LEBA/PCA2018001/SPD201802", "2500240010", **{"Document Type": "SPD"}, **common
        ),
    ]


# Two more people at ASEF (sample partner 2500211001): one at an internationalised domain,
# written as eTools may hold it (punycode), one whose local part is not ASCII.
IDN = "a.diallo@école-kolda.sn"
IDN_ASCII = "a.diallo@xn--cole-kolda-96a.sn"
UTF8_LOCAL = "jean-baptiste.ndiayé@apef.sn"


def international_partners(path: Path) -> Path:
    """Write the sample partners export with ASEF's two international addresses added."""
    with (SAMPLES / "partners.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    asef = next(row for row in rows if row["Short Name"] == "ASEF")
    asef["Staff Members"] += (
        f", Abdoulaye Diallo ({IDN_ASCII}), Jean-Baptiste Ndiayé ({UTF8_LOCAL})"
    )
    return write_export(path, PARTNER_HEADER, rows)
