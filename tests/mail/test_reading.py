"""Out-of-office answers are never counted as answers, and a person's answer about an
absence is never taken for one."""

from __future__ import annotations

import pytest

from tasks.mail.reading import addresses, header, is_auto_reply, parsed


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
