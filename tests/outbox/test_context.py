"""What every e-mail template is given (tasks/outbox/context.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from db.models import Contact, Message, Partner
from tasks.outbox.context import base_context
from tasks.outbox.render import environment, render_email
from tests.outbox.test_render import sample_context

SENDER = "UNICEF Sénégal <partnerships@example.org>"
NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)


def message_to(time_zone: str | None) -> Message:
    partner = Partner(vendor_number="1", name="ASEF", language="fr", time_zone="Africa/Dakar")
    contact = Contact(partner=partner, name="Awa Ndiaye", language="en", time_zone=time_zone)
    return Message(contact=contact, partnership=None)


def test_a_contact_with_their_own_time_zone_reads_times_in_it() -> None:
    context = sample_context(
        time_zone=base_context(message_to("America/Bogota"), {}, SENDER, NOW)["time_zone"]
    )
    text = render_email(environment(), "consultation_invitation", "en", context).text
    assert "When: February 10, 2027, 4:30\u202fAM (Colombia Standard Time)" in text


def test_a_contact_without_one_reads_times_in_their_partner_s() -> None:
    assert base_context(message_to(None), {}, SENDER, NOW)["time_zone"] == "Africa/Dakar"
