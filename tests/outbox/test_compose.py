from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parseaddr, parsedate_to_datetime

from sqlalchemy import Engine

from db.models import MessageStatus, TouchpointKind
from tasks.responses.links import message_of_address, token_hash
from tests.pipeline import deliver_all, messages, plan

CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def send_checkins(engine: Engine) -> None:
    plan(engine, CHECKIN, NOW)
    deliver_all(engine, [CHECKIN], NOW)


def received_by(outbox, address: str):
    (mail,) = [mail for mail in outbox() if parseaddr(mail["To"])[1] == address]
    return mail


def test_recipients_get_every_header_they_need(imported: Engine, app_env, outbox) -> None:
    send_checkins(imported)
    row = next(
        m
        for m in messages(imported, status=MessageStatus.SENT)
        if m.contact.email == "a.ndiaye@asef-senegal.example.org"
    )
    mail = received_by(outbox, "a.ndiaye@asef-senegal.example.org")
    assert mail["From"] == "UNICEF Partnerships <partnerships@example.org>"
    assert mail["To"] == "Awa Ndiaye <a.ndiaye@asef-senegal.example.org>"
    assert mail["Subject"].startswith("Que sont devenus les résultats de « Maintien des filles")
    assert parsedate_to_datetime(mail["Date"]) == NOW
    assert mail["Message-ID"] == row.message_id
    assert mail["Content-Language"] == "fr"
    assert message_of_address("s" * 48, mail["Reply-To"]) == row.id
    unsubscribe = mail["List-Unsubscribe"]
    assert "<https://portal.example.org/opt-out/" in unsubscribe
    assert "<mailto:partnerships+u" in unsubscribe and "?subject=unsubscribe>" in unsubscribe
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["Auto-Submitted"] == "auto-generated"


def test_the_personal_link_carries_the_token_whose_hash_is_stored(
    imported: Engine, app_env, outbox
) -> None:
    send_checkins(imported)
    mail = received_by(outbox, "g.otieno@kccpn.example.or.ke")
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    link = next(word for word in text.split() if word.startswith("https://portal.example.org/r/"))
    token = link.rsplit("/", 1)[1]
    assert f'href="{link}"' in html
    assert f"https://portal.example.org/opt-out/{token}" in text
    row = next(m for m in messages(imported) if m.contact.email == "g.otieno@kccpn.example.or.ke")
    assert row.token_hash == token_hash(token)
    assert token not in (row.server_reply or "") and token not in str(row.context)


def test_both_parts_are_in_the_contact_language(imported: Engine, app_env, outbox) -> None:
    send_checkins(imported)
    spanish = received_by(outbox, "mj.pena@funiter.example.co")
    english = received_by(outbox, "g.otieno@kccpn.example.or.ke")
    assert spanish["Content-Language"] == "es"
    assert "Estimado/a María José Peña" in spanish.get_body(("plain",)).get_content()
    assert "¿Cómo se mantienen los resultados" in spanish.get_body(("html",)).get_content()
    assert english["Content-Language"] == "en"
    assert "Dear Grace Achieng' Otieno" in english.get_body(("plain",)).get_content()


def test_no_message_carries_another_recipient(imported: Engine, app_env, outbox) -> None:
    send_checkins(imported)
    for mail in outbox():
        assert mail["Cc"] is None and mail["Bcc"] is None
        assert len(mail.get_all("To")) == 1


def test_the_greeting_and_to_header_carry_the_name_without_the_etools_role(
    imported: Engine, app_env, outbox
) -> None:
    """eTools lists her as "Fatou Bintou Sarr (Coordinatrice, Thiès)": her role is kept
    apart, and mail greets her by her name."""
    send_checkins(imported)
    mail = received_by(outbox, "fb.sarr@asef-senegal.example.org")
    assert mail["To"] == "Fatou Bintou Sarr <fb.sarr@asef-senegal.example.org>"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Bonjour Fatou Bintou Sarr," in text and "Bonjour Fatou Bintou Sarr," in html
    assert not any("Coordinatrice" in part for part in (text, html, str(mail["To"])))
