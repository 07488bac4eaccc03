"""Composing and DKIM-signing one multipart (text and HTML) message, N times: the
project's composition (tasks/mail/mime.py) and signing (tasks/mail/dkim.py) beside the
`emails` package and dkimpy's own signing, on the same message and machine.

    .venv/bin/python -m bench.composition [--messages 5000]

`emails` is not a dependency of the project: install it in the venv to compare
(`.venv/bin/pip install emails`); without it, its rows are left out.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import dkim

from bench.dkim_key import KINDS, write_key
from tasks.mail.dkim import DkimKey, dkim_key, signed
from tasks.mail.mime import alternative_message

SENDER = ("UNICEF Partnerships", "partnerships@example.org")
RECIPIENT = ("Aïssatou Sow", "a.sow@asef.sn")
SUBJECT = "Où en est ASEF ? Quelques nouvelles de l'UNICEF"
DATE = "Tue, 01 Dec 2026 12:00:00 +0000"
TEXT = "Chère Aïssatou Sow,\n\nVotre partenariat avec l'UNICEF s'est achevé ; " * 20
HTML = f"<html><body><p>{TEXT.replace(chr(10), '<br>')}</p></body></html>" * 2
EXTRA = {
    "Reply-To": "reply+1.abcdef@example.org",
    "Content-Language": "fr",
    "List-Unsubscribe": "<https://portal.example.org/o/t>, <mailto:u+1@example.org>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "Auto-Submitted": "auto-generated",
}
SIGNED = [b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type"]


def ours(n: int) -> bytes:
    headers = [
        ("From", f'"{SENDER[0]}" <{SENDER[1]}>'),
        ("To", f"=?utf-8?q?A=C3=AFssatou_Sow?= <{RECIPIENT[1]}>"),
        ("Subject", SUBJECT),
        ("Date", DATE),
        ("Message-ID", f"<continuity.{n}@example.org>"),
        *EXTRA.items(),
    ]
    return alternative_message(headers, TEXT, HTML)


def theirs(emails: ModuleType, n: int) -> Any:
    return emails.html(
        html=HTML,
        text=TEXT,
        subject=SUBJECT,
        mail_from=SENDER,
        mail_to=RECIPIENT,
        date=DATE,
        message_id=f"<continuity.{n}@example.org>",
        headers=dict(EXTRA),
    )


def per_message_ms(make: Callable[[int], object], count: int) -> float:
    started = time.perf_counter()
    for n in range(count):
        make(n)
    return round((time.perf_counter() - started) / count * 1000, 3)


def signing_rows(key: DkimKey, kind: str, count: int) -> dict[str, float]:
    data = ours(0)
    rows = {
        f"sign {kind}, ours (tasks/mail/dkim.py)": per_message_ms(
            lambda n: signed(data, "bench", "example.org", key), count
        )
    }
    rows[f"sign {kind}, dkimpy alone (dkim.sign)"] = per_message_ms(
        lambda n: dkim.sign(
            data,
            b"bench",
            b"example.org",
            key.private,
            canonicalize=(b"relaxed", b"relaxed"),
            signature_algorithm=key.algorithm,
            include_headers=SIGNED,
        ),
        count,
    )
    return rows


def emails_rows(emails: ModuleType, pem: bytes, count: int, slow: int) -> dict[str, float]:
    def signed_by_emails(n: int) -> bytes:
        message = theirs(emails, n)
        message.dkim(key=pem, domain="example.org", selector="bench")
        return bytes(message.as_bytes())

    return {
        "compose, emails": per_message_ms(lambda n: theirs(emails, n).as_bytes(), count),
        "compose and sign rsa, emails": per_message_ms(signed_by_emails, slow),
    }


def emails_to_lines(emails: ModuleType) -> dict[str, str]:
    """Return the To line `emails` writes for the addresses it gets wrong: a UTF-8 local
    part (RFC 6532 wants it raw) and an IDNA 2008 domain (straße.de is not strasse.de)."""
    lines = {}
    for address in ("jean-baptiste.ndiayé@apef.sn", "b@straße.de"):
        data = emails.html(text="x", html="x", mail_from=SENDER, mail_to=("B", address))
        head = bytes(data.as_bytes()).split(b"\r\n\r\n", 1)[0].decode("utf-8")
        lines[address] = next(line for line in head.split("\r\n") if line.startswith("To:"))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=5000)
    count = parser.parse_args().messages
    folder = Path(tempfile.mkdtemp(prefix="continuity-composition-"))
    keys = {kind: write_key(folder, kind) for kind in KINDS}
    # dkimpy's own RSA is pure Python: a tenth of the messages tells its cost well enough.
    slow = max(1, count // 10)
    report: dict[str, Any] = {"messages": count, "size_bytes": len(ours(0))}
    report["ms_per_message"] = {"compose, ours (tasks/mail/mime.py)": per_message_ms(ours, count)}
    for kind, path in keys.items():
        rows = signing_rows(dkim_key(path), kind, count if kind == "ed25519" else slow)
        report["ms_per_message"].update(rows)
    try:
        emails = importlib.import_module("emails")  # not a dependency: compared when present
    except ImportError:
        report["emails"] = "not installed: .venv/bin/pip install emails"
    else:
        report["emails"] = importlib.metadata.version("emails")
        pem = keys["rsa"].read_bytes()
        report["ms_per_message"].update(emails_rows(emails, pem, count, slow))
        report["emails_to_lines"] = emails_to_lines(emails)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
