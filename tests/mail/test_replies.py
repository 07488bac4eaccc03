"""Behaviour of tasks.mail.replies: the new text of partners' replies."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.mail.replies import _html_reply, reply_text, stripped

FIXTURES = Path(__file__).parent / "replies"
SOURCES = sorted(path for path in FIXTURES.iterdir() if path.suffix in (".eml", ".txt", ".html"))


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def mail_from(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def plain_mail(body: str, html: str | None = None) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = "Re: Consultation"
    mail.set_content(body)
    if html is not None:
        mail.add_alternative(html, subtype="html")
    return mail


def new_text(source: Path) -> str:
    if source.suffix == ".eml":
        return reply_text(mail_from(source.read_bytes()))
    if source.suffix == ".html":
        return _html_reply(source.read_text("utf-8"))[0]
    return stripped(source.read_text("utf-8"))


@pytest.mark.parametrize("source", SOURCES, ids=[path.name for path in SOURCES])
def test_it_finds_the_new_text_of_every_fixture(source: Path) -> None:
    expected = source.with_suffix(".expected").read_text("utf-8")
    assert normalised(new_text(source)) == normalised(expected)


def test_every_fixture_has_an_expected_text() -> None:
    assert len(SOURCES) >= 60
    assert all(path.with_suffix(".expected").exists() for path in SOURCES)


def test_it_strips_a_french_outlook_header_block() -> None:
    text = (
        "Merci.\n\nDe : Continuity <x@y.org>\nEnvoyé : lundi 1 décembre 2026\n"
        "À : A\nObjet : B\n\nBonjour"
    )
    assert stripped(text) == "Merci."


def test_it_strips_a_gmail_french_header_wrapped_over_two_lines() -> None:
    text = "Oui.\n\nLe lun. 1 déc. 2026 à 10:00, Continuity <x@y.org>\na écrit :\n\n> Bonjour"
    assert stripped(text) == "Oui."


def test_it_strips_an_arabic_gmail_header() -> None:
    text = "شكراً\n\nفي الاثنين، 1 ديسمبر 2026 في 10:00 ص كتب Continuity <x@y.org>:\n\n> مرحباً"
    assert stripped(text) == "شكراً"


def test_it_strips_client_signatures_in_several_languages() -> None:
    for signature in (
        "Sent from my iPhone",
        "Envoyé de mon iPhone",
        "Enviado desde mi iPhone",
        "Von meinem iPhone gesendet",
        "Get Outlook for Android",
        "-- ",
        "--",
    ):
        assert stripped(f"Bien reçu.\n\n{signature}\nJane") == "Bien reçu."


def test_it_keeps_what_a_bottom_poster_wrote_below_the_quote() -> None:
    text = "On 1 Dec 2026, Continuity <x@y.org> wrote:\n> Will you come?\n\nYes, we will."
    assert stripped(text) == "Yes, we will."


def test_it_returns_nothing_when_the_mail_is_only_quoted_history() -> None:
    assert stripped("> Will you come?\n> Continuity") == ""
    assert reply_text(plain_mail("")) == ""


def test_it_keeps_a_sentence_that_merely_ends_with_wrote() -> None:
    text = "This is what our director wrote:\nwe will continue the programme."
    assert stripped(text) == text


def test_it_prefers_the_html_when_only_the_html_marks_the_quote() -> None:
    html = (
        '<div>We will attend.</div><div class="gmail_quote"><div>Dear partner,</div>'
        "<div>We invite you.</div></div>"
    )
    mail = plain_mail("We will attend.\n\nDear partner,\nWe invite you.\n", html)
    assert reply_text(mail) == "We will attend."


def test_it_reads_an_html_only_mail_without_rendering_its_scripts() -> None:
    html = (
        "<html><head><title>t</title><script>alert(1)</script></head>"
        "<body>Oui<blockquote>Q</blockquote></body></html>"
    )
    mail = EmailMessage()
    mail.set_content(html, subtype="html")
    assert reply_text(mail) == "Oui"


def test_it_stays_fast_on_a_huge_hostile_body() -> None:
    hostile = ("On On On " + "a " * 140 + "\n") * 3000 + "Am " + " schrieb" * 20_000
    assert isinstance(stripped(hostile), str)
    html = "<div>" * 50_000 + "x" + "<blockquote>" * 10_000
    assert isinstance(reply_text(plain_mail("", html)), str)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_stripped_never_raises(text: str) -> None:
    assert isinstance(stripped(text), str)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2_000))
def test_reply_text_never_raises_on_arbitrary_bytes(raw: bytes) -> None:
    prefix = (
        b"Content-Type: multipart/alternative; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/html\r\n\r\n"
    )
    assert isinstance(reply_text(mail_from(prefix + raw)), str)
    assert isinstance(reply_text(mail_from(raw)), str)


# Latin, Greek and Cyrillic letters on purpose (RUF001 would flag them as look-alikes).
_LETTERS = "abcdefghijklmnopqrstuvwxyzéàçñöüαβгдж0123456789 ,.!?"  # noqa: RUF001
_PLAIN_WORDS = st.text(alphabet=_LETTERS, min_size=1)


@settings(max_examples=200, deadline=None)
@given(st.lists(_PLAIN_WORDS, min_size=1, max_size=20))
def test_a_text_without_quote_markers_comes_back_unchanged(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert normalised(stripped(text)) == normalised(text)
