"""What a focal-point digest says: the words as told, as data, with links that keep
hostile values inside."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

import pytest
from sqlalchemy import Engine

from tasks.touchpoints.focal_point_digest import mailto
from tests.focal_points import (
    DIGEST,
    FIRST_WORDS,
    TUESDAY,
    answered_by_phone,
    delivered,
    digests,
    handle,
    html_of,
    replied,
    text_of,
)
from tests.pipeline import plan


def test_a_message_handled_before_the_digest_goes_out_says_by_whom(
    directory: Engine, outbox
) -> None:
    ident = replied(directory, FIRST_WORDS, TUESDAY + timedelta(hours=1))
    plan(directory, DIGEST, TUESDAY + timedelta(days=1))
    handle(directory, ident, TUESDAY + timedelta(days=1, hours=1))
    (mail,) = delivered(directory, outbox, TUESDAY + timedelta(days=1, hours=2))
    text = text_of(mail)
    assert FIRST_WORDS in text and "Traité entre-temps par Moussa Diop." in text
    assert "continuity response handle" not in text


def test_an_answer_revised_before_the_digest_goes_out_comes_in_the_next(
    directory: Engine, outbox
) -> None:
    answered_by_phone(directory, "Première version.", TUESDAY + timedelta(hours=1))
    wednesday = TUESDAY + timedelta(days=1)
    plan(directory, DIGEST, wednesday)
    revised = answered_by_phone(directory, "Version corrigée.", wednesday + timedelta(hours=1))
    (mail,) = delivered(directory, outbox, wednesday + timedelta(hours=2))
    assert "Première version." in text_of(mail), "what was told, as it was told"
    plan(directory, DIGEST, wednesday + timedelta(days=1))
    assert digests(directory)[1].context["new"] == [revised]


def test_a_revision_saying_the_same_before_the_digest_goes_out_is_told_once(
    directory: Engine, outbox
) -> None:
    answered_by_phone(directory, "Même texte.", TUESDAY + timedelta(hours=1))
    wednesday = TUESDAY + timedelta(days=1)
    plan(directory, DIGEST, wednesday)
    answered_by_phone(directory, "Même texte.", wednesday + timedelta(hours=1))
    (mail,) = delivered(directory, outbox, wednesday + timedelta(hours=2))
    assert "Même texte." in text_of(mail)
    assert plan(directory, DIGEST, wednesday + timedelta(days=1)).inserted == 0


def test_what_partners_write_is_data_in_the_digest(directory: Engine, outbox) -> None:
    hostile = (
        "<script>alert('x')</script> {{ contact.name }} {% if 1 %}oops{% endif %}\n"
        '<a href="https://evil.example">clic</a>\n\n' + "long " * 20_000
    )
    replied(directory, hostile, TUESDAY + timedelta(hours=1), "Re: <b>x</b>\r\nBcc: e@evil.example")
    plan(directory, DIGEST, TUESDAY + timedelta(days=1))
    (mail,) = delivered(directory, outbox, TUESDAY + timedelta(days=1))
    html, text = html_of(mail), text_of(mail)
    assert "<script>" not in html and "&lt;script&gt;alert(" in html
    assert '<a href="https://evil' not in html and "{{ contact.name }} {% if 1 %}oops" in html
    assert "<script>alert('x')</script> {{ contact.name }} {% if 1 %}oops{% endif %}" in text
    assert text.count("long") == 20_000 and html.count("long") == 20_000
    assert "Bcc" not in mail and "?subject=Re%3A%20%3Cb%3Ex%3C%2Fb%3E%20Bcc%3A%20e%40" in text


@pytest.mark.parametrize(
    ("address", "subject"),
    [
        ("a.ndiaye@asef.example.org?bcc=spy@evil.example", "Re: hello"),
        ("a.ndiaye@asef.example.org", "Re: x\r\nBcc: spy@evil.example&body=leak%0A"),
        ('"><script>@evil.example', "Re: ?&=#%"),
    ],
)
def test_a_mailto_link_keeps_hostile_values_inside(address: str, subject: str) -> None:
    link = mailto(address, subject)
    target, _, query = link.removeprefix("mailto:").partition("?")
    assert query.startswith("subject=") and "&" not in query and "?" not in query
    assert unquote(target) == address and "?" not in target and '"' not in link
    assert "\r" not in unquote(query) and "\n" not in unquote(query)
    assert not any(c.isspace() or c in "<>\"'" for c in link)
