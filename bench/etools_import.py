"""The eTools import benchmark: a generated interventions export of about the size asked
(plus the matching partners export), imported with `continuity import etools` on a fresh
SQLite database, once as a dry run and once for real; prints the time and the peak
resident memory of each run.

    .venv/bin/python -m bench.etools_import --megabytes 100 [--codes SEN,PHI,LEBA,COL]
                                            [--directory DIR] [--keep]

Each run is its own process (the peak RSS is that process's, from `wait4`), so the two
figures do not mix. `--codes` are the workspace prefixes of the reference numbers; the
code of an older checkout that only knows ISO 3166 codes needs ISO ones (`SEN,COL,KEN,BGD`).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

from tests.exports import INTERVENTION_HEADER, PARTNER_HEADER

INTERVENTIONS_PER_PARTNER = 10
STATUSES = ["ended"] * 4 + ["closed"] * 2 + ["terminated", "active", "active", "signed"]
SECTIONS = ["Education", "Health", "Nutrition", "WASH", "Child Protection", "Gender"]
FIRST_NAMES = ["Awa", "Marie-Thérèse", "José", "Grace Achieng'", "Nguyễn", "Fatou Bintou"]
LAST_NAMES = ["N'Diaye", "Dela Cruz", "Haddad", "Otieno", "García López", "Sarr"]
OFFICES = {"SEN": "Dakar", "PHI": "Manila", "LEBA": "Beirut", "COL": "Bogotá", "KEN": "Nairobi"}


def partner_row(vendor: str, rng: random.Random) -> dict[str, str]:
    staff = ", ".join(
        f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} (staff{n}.{vendor}@example.org)"
        for n in range(3)
    )
    return {
        "Vendor Number": vendor,
        "Organizations Full Name": f"Association pour l'Éducation et la Santé {vendor}",
        "Short Name": f"AES{vendor[-4:]}",
        "Partner Type": "Civil Society Organization/National",
        "Shared Partner": "No",
        "Address": f"{rng.randint(1, 200)} rue des Écoles, Quartier {rng.randint(1, 40)}",
        "Phone Number": f"+221 33 {rng.randint(100, 999)} {rng.randint(10, 99)} 01",
        "Email Address": f"contact@{vendor}.example.org",
        "HACT Risk Rating": rng.choice(["Low", "Medium", "High"]),
        "SEA Risk Rating": "Low",
        "Marked for Deletion": "No",
        "Blocked": "No",
        "Assessment Type": "Micro Assessment",
        "Date Assessed": "2022-03-15",
        "Assessment Type (Date Assessed)": "Micro Assessment (2022-03-15)",
        "Staff Members": staff,
        "URL": f"https://etools.example.org/pmp/partners/{vendor}/details/",
        "Planned Programmatic Visits": "2",
    }


def intervention_row(n: int, vendor: str, code: str, rng: random.Random) -> dict[str, str]:
    year = 2016 + n % 9
    start = date(year, 1, 1) + timedelta(days=rng.randint(0, 300))
    status = rng.choice(STATUSES)
    agreement = f"{code}/PCA{year}{n % 997:03d}"
    amendment = "-1" if n % 17 == 0 else ""
    return {
        "Partner": f"Association pour l'Éducation et la Santé {vendor}",
        "Vendor Number": vendor,
        "Status": status,
        "Partner Type": "Civil Society Organization",
        "CSO Type": "National",
        "Agreement": agreement,
        "Country Programmes": f"{code} CP {year - 2}-{year + 4}",
        "Document Type": "PD",
        "Reference Number": f"{agreement}/PD{year}{n}{amendment}",
        "Document Title": f"Maintien des filles à l'école, phase {n % 5 + 1}, région {n % 14}",
        "Start Date": start.isoformat(),
        "End Date": (start + timedelta(days=rng.randint(200, 1100))).isoformat(),
        "UNICEF Office": OFFICES.get(code, "Country Office"),
        "Sections": ", ".join(rng.sample(SECTIONS, 2)),
        "Locations": OFFICES.get(code, "Capital"),
        "Contingency PD": "No",
        "Humanitarian SPD": "No",
        "UNICEF Focal Points": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        "CSO Authorized Officials": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        "Budget Currency": "USD",
        "Total CSO Contribution": f"{rng.randint(1000, 90000)}.00",
        "UNICEF Cash": f"{rng.randint(10000, 900000)}.00",
        "UNICEF Supply": "0.00",
        "Total PD/SPD Budget": f"{rng.randint(20000, 990000)}.00",
        "Signed by Partner": "Yes",
        "Signed by UNICEF": "Yes",
        "Total no. of amendments": "1" if amendment else "0",
        "URL": f"https://etools.example.org/pmp/interventions/{n}/details/",
        "Data Processing Agreement": "No",
        "Activities involving children and young people": "Yes",
        "Special Conditions for Construction Works by Implementing Partners": "No",
    }


def generate(directory: Path, megabytes: float, codes: list[str]) -> tuple[Path, Path]:
    """Write `partners.csv` and `interventions.csv` (about `megabytes` MB) in `directory`."""
    rng = random.Random(12)
    partners_path = directory / "partners.csv"
    interventions_path = directory / "interventions.csv"
    target = int(megabytes * 1024 * 1024)
    with interventions_path.open("w", encoding="utf-8", newline="") as file:
        writer = _writer(file, INTERVENTION_HEADER)
        n = 0
        while file.tell() < target:
            vendor = f"25{n // INTERVENTIONS_PER_PARTNER:08d}"
            code = codes[(n // INTERVENTIONS_PER_PARTNER) % len(codes)]
            writer.writerow(intervention_row(n, vendor, code, rng))
            n += 1
    with partners_path.open("w", encoding="utf-8", newline="") as file:
        writer = _writer(file, PARTNER_HEADER)
        for p in range((n + INTERVENTIONS_PER_PARTNER - 1) // INTERVENTIONS_PER_PARTNER):
            writer.writerow(partner_row(f"25{p:08d}", rng))
    return partners_path, interventions_path


def _writer(file: TextIO, header: list[str]) -> csv.DictWriter[str]:
    writer = csv.DictWriter(file, header, restval="", lineterminator="\r\n")
    writer.writeheader()
    return writer


def timed_import(arguments: list[str], env: dict[str, str]) -> dict[str, float | int]:
    """Run `continuity import etools …` in its own process; return its exit status, wall
    time and peak RSS (MB)."""
    code = "from continuity.cli.main import app; app()"
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", code, "import", "etools", *arguments],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode:
        print(stderr[-2000:], file=sys.stderr)
    return {
        "exit": process.returncode,
        "seconds": round(elapsed, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=float, default=100)
    parser.add_argument("--codes", default="SEN,PHI,LEBA,COL")
    parser.add_argument("--directory", type=Path, help="where the files go (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the files and the database")
    options = parser.parse_args()
    directory = options.directory or Path(tempfile.mkdtemp(prefix="etools-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    partners, interventions = generate(directory, options.megabytes, options.codes.split(","))
    print(
        f"generated {interventions.stat().st_size / 2**20:.1f} MB of interventions and "
        f"{partners.stat().st_size / 2**20:.1f} MB of partners in "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )
    database = directory / "continuity.db"
    database.unlink(missing_ok=True)
    env = {**os.environ, "CONTINUITY_DATABASE_URL": f"sqlite:///{database}"}
    subprocess.run(
        [sys.executable, "-c", "from continuity.cli.main import app; app()", "db", "upgrade"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    files = ["--partners", str(partners), "--interventions", str(interventions)]
    results = {
        "dry run": timed_import([*files, "--dry-run"], env),
        "import": timed_import(files, env),
    }
    print(json.dumps(results, indent=2))
    if not options.keep and options.directory is None:
        for path in directory.iterdir():
            path.unlink()
        directory.rmdir()


if __name__ == "__main__":
    main()
