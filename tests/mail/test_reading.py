"""Out-of-office answers are never counted as answers, and a person's answer about an
absence is never taken for one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tasks.mail.reading import addresses, header, is_auto_reply, parsed, written_at


@pytest.mark.parametrize(
    "subject",
    [
        "Automatic reply: Que sont devenus les résultats ?",
        "Réponse automatique : absent du bureau",
        "Respuesta automática: Fuera de la oficina",
        "Automatische Antwort: Abwesenheitsnotiz",
        "Автоответ: в отпуске",
        "رد تلقائي: خارج المكتب",
        "自动回复: 您好",
        "Absence du bureau jusqu'au 5 janvier",
        "Out of Office",
    ],
)
def test_it_knows_an_out_of_office_answer_by_its_subject(subject: str) -> None:
    assert is_auto_reply(parsed(f"Subject: {subject}\r\n\r\nJe suis absente.".encode()))


@pytest.mark.parametrize(
    "subject",
    ["Re: absence of data in Kolda", "RE: Vacation plans for the clubs", "Réf : en congé ?"],
)
def test_a_persons_reply_about_an_absence_is_not_an_auto_reply(subject: str) -> None:
    assert not is_auto_reply(parsed(f"Subject: {subject}\r\n\r\nNous répondons.".encode()))


@pytest.mark.parametrize(
    ("name", "value"),
    [("Auto-Submitted", "auto-replied"), ("X-Autoreply", "yes"), ("Precedence", "bulk")],
)
def test_it_knows_an_automatic_answer_by_its_headers(name: str, value: str) -> None:
    assert is_auto_reply(parsed(f"{name}: {value}\r\nSubject: Re: x\r\n\r\nx".encode()))


@pytest.mark.parametrize("value", ['g:;"a"@b', '"', "<", "=?utf-8?q?=ff?= <@>"])
def test_a_header_the_parser_chokes_on_is_read_as_written(value: str) -> None:
    mail = parsed(f"From: {value}\r\nTo: a@b.example, {value}\r\n\r\nx".encode())
    assert isinstance(header(mail, "From"), str)  # parsed where it can be, else as written
    assert "a@b.example" in addresses(mail, ("To",))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Wed, 2 Dec 2026 10:14:00 +0100", datetime(2026, 12, 2, 9, 14, tzinfo=UTC)),
        ("2 Dec 2026 09:14 -0000", datetime(2026, 12, 2, 9, 14, tzinfo=UTC)),
        ("Wed, 02 Dec 2026 04:14:00 EST", datetime(2026, 12, 2, 9, 14, tzinfo=UTC)),
        ("", None),
        ("yesterday, after lunch", None),
        ("Wed, 32 Foo 2026 99:99:99 +0000", None),
        ("Mon, 1 Jan 99999999999999999999999 00:00:00 +0000", None),
        ("Fri, 31 Dec 9999 23:59:00 -2359", None),
        ("Tue, 1 Dec 2026 15:30:00 +9999", None),
        ("Tue, 1 Dec 2026 15:30:00 +0000 " + "9" * 100_000, None),
        ("Tue, 1 Dec " + "2026 " * 20_000, None),
        ("=?utf-8?b?////?=", None),
    ],
)
def test_a_mails_date_reads_as_utc_or_not_at_all(value: str, expected: datetime | None) -> None:
    mail = parsed(f"Date: {value}\r\nSubject: x\r\n\r\nx".encode())
    assert written_at(mail) == expected
