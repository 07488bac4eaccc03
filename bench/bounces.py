"""Measures tasks.mail.bounces.reports against sisimai, the reference bounce parser (Perl).

``.venv/bin/python -m bench.bounces DIR...`` runs sisimai once over every file in the
directories (it must be installed: Debian libsisimai-perl) and `read_report` over each,
then prints how often we agree, and every disagreement.
``--expect FILE`` writes sisimai's verdicts as JSON instead (the tests' expected values).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

from tasks.mail.bounces.reports import HARD_REASONS, read_report

# One perl process for all files; "vacation" rows are auto-replies, not bounces, for us.
SISIMAI = r"""
use strict; use Sisimai; use JSON::PP;
my $out = {};
for my $f (@ARGV) {
  my $r = eval { Sisimai->make($f, delivered => 1) } || [];
  $out->{$f} = [ map { my $h = $_->damn; +{ map { $_ => $h->{$_} }
    qw(recipient reason deliverystatus action feedbacktype smtpagent) } } @$r ];
}
print JSON::PP->new->canonical->latin1->encode($out);
"""


def sisimai(files: list[Path]) -> dict[str, dict[str, Any]]:
    """Returns sisimai's verdict per file: kind ("bounce", "complaint", "delivery_report" or
    "none") and its rows (recipient, reason, hard)."""
    raw = subprocess.run(["perl", "-e", SISIMAI, *map(str, files)], check=True,
                         capture_output=True).stdout
    verdicts = {}
    for name, rows in json.loads(raw.decode("latin-1")).items():
        rows = [r for r in rows if r["reason"] != "vacation"]
        reasons = {r["reason"] for r in rows}
        kind = ("complaint" if "feedback" in reasons else "delivery_report"
                if reasons == {"delivered"} else "bounce" if rows else "none")
        kept = [{"address": r["recipient"].lower(), "reason": r["reason"],
                 "hard": r["reason"] in HARD_REASONS, "agent": r["smtpagent"]}
                for r in rows if r["reason"] != "delivered" or kind == "delivery_report"]
        verdicts[Path(name).name] = {"kind": kind, "rows": kept,
                                     "feedback_type": next(
                                         (r["feedbacktype"] for r in rows if r["feedbacktype"]),
                                         "")}
    return verdicts


def ours(path: Path) -> dict[str, Any]:
    """Returns read_report's verdict on one file in the same shape as `sisimai`'s."""
    mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    report = read_report(mail)  # type: ignore[arg-type]
    if report is None:
        return {"kind": "none", "rows": []}
    return {"kind": report.kind, "rows": [
        {"address": f.address, "reason": f.reason, "hard": f.hard} for f in report.failures]}


def compare(theirs: dict[str, dict[str, Any]], folder: dict[str, Path]) -> None:
    """Prints the three figures and the disagreements."""
    counts: Counter[str] = Counter()
    wrong: list[str] = []
    for name, want in sorted(theirs.items()):
        got = ours(folder[name])
        if want["kind"] != "bounce":
            counts["other"] += 1
            if got["kind"] == "bounce" and want["kind"] != "none":
                counts["other_as_bounce"] += 1
            if got["kind"] != want["kind"]:
                wrong.append(f"KIND {name}: sisimai {want['kind']} / ours {got['kind']}")
            continue
        counts["bounces"] += 1
        counts["recognised"] += got["kind"] == "bounce"
        mine = {r["address"]: r for r in got["rows"]}
        for row in want["rows"]:
            counts["rows"] += 1
            hit = mine.get(row["address"])
            counts["address"] += hit is not None
            counts["hardsoft"] += hit is not None and hit["hard"] == row["hard"]
            if hit is None:
                wrong.append(f"ADDR {name} [{row['agent']}]: {row['address']} not in "
                             f"{sorted(mine)} ({got['kind']})")
            elif hit["hard"] != row["hard"]:
                wrong.append(f"HARD {name} [{row['agent']}]: sisimai {row['reason']} / "
                             f"ours {hit['reason']}")
    for line in wrong:
        print(line)
    b, r = max(counts["bounces"], 1), max(counts["rows"], 1)
    print(f"files: {len(theirs)}; sisimai bounces: {counts['bounces']} ({counts['rows']} rows)")
    print(f"recognised as bounce: {100 * counts['recognised'] / b:.1f}%")
    print(f"sisimai's address found: {100 * counts['address'] / r:.1f}%")
    print(f"hard/soft agreement: {100 * counts['hardsoft'] / r:.1f}%")
    print(f"complaints/delivery reports counted as bounces: {counts['other_as_bounce']}")


def main() -> None:
    """Runs the comparison, or writes sisimai's verdicts with --expect."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--expect", type=Path, help="write sisimai's verdicts to this JSON file")
    args = parser.parse_args()
    files = sorted(f for d in args.dirs for f in Path(d).iterdir()
                   if f.is_file() and f.suffix in {".eml", ".txt", ".msg", ""})
    theirs = sisimai(files)
    if args.expect:
        args.expect.write_text(json.dumps(theirs, indent=1, sort_keys=True) + "\n")
        return
    compare(theirs, {f.name: f for f in files})


if __name__ == "__main__":
    main()
