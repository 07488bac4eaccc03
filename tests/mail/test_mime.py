from email import message_from_bytes, policy
from email.utils import formataddr

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasks.mail.mime import HeaderError, alternative_message, header_line

TEXT = "Bonjour, voici les nouvelles de l'année.\n" * 40
HTML = "<p>Bonjour, voici les <strong>nouvelles</strong> de l'année.</p>" * 40


def parsed(headers: list[tuple[str, str]], text: str = TEXT, html: str = HTML):
    return message_from_bytes(alternative_message(headers, text, html), policy=policy.default)


def test_the_standard_parser_reads_back_headers_and_both_parts() -> None:
    mail = parsed(
        [
            ("From", formataddr(("UNICEF Sénégal", "news@unicef.example"), "utf-8")),
            ("To", formataddr(("Awa Ndiaye-Diallo", "awa@asef.example"), "utf-8")),
            ("Subject", "Nouvelles pour l'Association sénégalaise — décembre"),
        ]
    )
    assert mail["Subject"] == "Nouvelles pour l'Association sénégalaise — décembre"
    assert mail["From"].addresses[0].display_name == "UNICEF Sénégal"
    assert mail["To"].addresses[0].addr_spec == "awa@asef.example"
    assert mail.get_content_type() == "multipart/alternative"
    assert mail.get_body(("plain",)).get_content() == TEXT
    assert mail.get_body(("html",)).get_content() == HTML
    assert not mail.defects


def test_a_long_header_is_folded_and_reads_back_whole() -> None:
    words = " ".join(f"word{n}" for n in range(300))
    data = alternative_message([("X-Note", words), ("Subject", "é " * 400)], "x", "y")
    head = data.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 998
    mail = message_from_bytes(data, policy=policy.default)
    assert " ".join(mail["X-Note"].split()) == words
    assert " ".join(mail["Subject"].split()) == " ".join(("é " * 400).split())


def test_a_word_too_long_for_any_line_is_refused() -> None:
    with pytest.raises(HeaderError, match="longer than a line"):
        header_line("X-Token", "a" * 1200)


def test_every_line_ends_in_crlf() -> None:
    data = alternative_message([("Subject", "é" * 200)], TEXT, HTML)
    assert b"\n" not in data.replace(b"\r\n", b"")


@pytest.mark.faults
@pytest.mark.parametrize("value", ["News\r\nBcc: all@example.org", "News\nX: y", "a\rb"])
def test_a_line_break_in_a_header_is_refused(value: str) -> None:
    with pytest.raises(HeaderError, match="line break"):
        header_line("Subject", value)


@pytest.mark.faults
@pytest.mark.parametrize("value", ["News\x00", "a\x1bb", "del\x7f"])
def test_a_control_character_in_a_header_is_refused(value: str) -> None:
    with pytest.raises(HeaderError, match="control character"):
        header_line("Subject", value)


@pytest.mark.faults
def test_a_malformed_header_name_is_refused() -> None:
    with pytest.raises(HeaderError):
        header_line("Subject: x\r\nBcc", "y")


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=300))
def test_any_one_line_subject_round_trips(subject: str) -> None:
    mail = parsed([("Subject", subject)], "x", "y")
    assert " ".join(mail["Subject"].split()) == " ".join(subject.split())


def test_a_utf8_header_is_written_as_raw_utf8_and_reads_back() -> None:
    """RFC 6532: an internationalised address has no encoded-word form; the name beside
    it may still be one."""
    to = "=?utf-8?q?Jean-Baptiste_Ndiay=C3=A9?= <jean-baptiste.ndiayé@apef.sn>"
    data = alternative_message([("To", to), ("Subject", "Année")], TEXT, HTML, utf8={"To"})
    head = data.split(b"\r\n\r\n", 1)[0]
    assert f"To: {to}\r\n".encode() in head
    assert b"Subject: =?utf-8?" in head  # only the named headers go raw
    mail = message_from_bytes(data, policy=policy.default)
    assert str(mail["To"]) == "Jean-Baptiste Ndiayé <jean-baptiste.ndiayé@apef.sn>"
    assert mail.get_body(("plain",)).get_content() == TEXT


def test_an_ascii_message_is_the_same_with_or_without_utf8_headers_named() -> None:
    line = header_line("To", "Awa <awa@asef.example>", utf8=True)
    assert line == header_line("To", "Awa <awa@asef.example>") == "To: Awa <awa@asef.example>\r\n"


@pytest.mark.faults
@pytest.mark.parametrize("value", ["é <x@é.sn>\r\nBcc: all@example.org", "é\x00", "é" * 600])
def test_a_utf8_header_is_refused_for_what_would_break_it(value: str) -> None:
    with pytest.raises(HeaderError):
        header_line("To", value, utf8=True)
