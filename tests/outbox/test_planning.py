from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from db.engine import transaction
from db.models import Contact, Message, MessageStatus, Partner, TouchpointKind
from tasks.sending_window import parse_window
from tests.pipeline import messages, plan

CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN
TUESDAY_NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def contact(session, email: str) -> Contact:
    return session.scalars(select(Contact).where(Contact.email == email)).one()


def test_unreachable_contacts_are_skipped_with_the_reason(imported: Engine) -> None:
    with transaction(imported) as session:
        contact(session, "a.ndiaye@asef-senegal.example.org").opted_out_at = TUESDAY_NOON
        suppressed = contact(session, "ml.diallo@asef-senegal.example.org")
        suppressed.suppressed_at, suppressed.suppression_reason = TUESDAY_NOON, "hard bounce"
        contact(session, "fb.sarr@asef-senegal.example.org").active = False
        partner = session.scalars(
            select(Partner).where(Partner.vendor_number == "2500211001")
        ).one()
        session.add(Contact(partner=partner, name="Sans Adresse", email=None, language="fr"))
    plan(imported, CHECKIN, TUESDAY_NOON)
    reasons = {m.status_reason for m in messages(imported, status=MessageStatus.SKIPPED)}
    assert reasons == {
        "opted out",
        "suppressed: hard bounce",
        "inactive contact",
        "no e-mail address",
    }


def test_the_counts_give_why_contacts_were_skipped_by_kind_never_in_staff_words(
    imported: Engine,
) -> None:
    words = "Awa Ndiaye called: her school closed, call her at home"
    with transaction(imported) as session:
        contact(session, "a.ndiaye@asef-senegal.example.org").suppress(
            TUESDAY_NOON, f"staff: {words}"
        )
        bounced = contact(session, "ml.diallo@asef-senegal.example.org")
        bounced.suppress(TUESDAY_NOON, "hard bounce: 550 5.1.1 Mailbox of Mame Diallo unknown")
    counts = plan(imported, CHECKIN, TUESDAY_NOON)
    assert counts.skip_reasons == {"suppressed by staff": 1, "suppressed: hard bounce": 1}
    reasons = {m.status_reason for m in messages(imported, status=MessageStatus.SKIPPED)}
    assert f"suppressed: staff: {words}" in reasons  # the database keeps what staff wrote


def test_planning_twice_is_a_no_op(imported: Engine) -> None:
    first = plan(imported, CHECKIN, TUESDAY_NOON)
    assert first.inserted > 0
    again = plan(imported, CHECKIN, TUESDAY_NOON)
    assert again.inserted == 0
    assert len(messages(imported)) == first.inserted


def test_the_database_refuses_a_second_row_for_the_same_occurrence_and_contact(
    imported: Engine,
) -> None:
    plan(imported, CHECKIN, TUESDAY_NOON)
    original = messages(imported)[0]
    with pytest.raises(IntegrityError), transaction(imported) as session:
        session.add(
            Message(
                contact_id=original.contact_id,
                kind=original.kind,
                language="fr",
                occurrence_key=original.occurrence_key,
            )
        )


def test_outside_the_sending_window_messages_wait_for_the_next_one(imported: Engine) -> None:
    window = parse_window("mon-fri 09:00-17:00")
    counts = plan(imported, CHECKIN, TUESDAY_NOON, window=window)
    assert counts.deferred > 0
    bogota = [
        m for m in messages(imported) if m.status_reason and "America/Bogota" in m.status_reason
    ]
    assert bogota and all(m.status == MessageStatus.PLANNED for m in bogota)
    assert {m.due_at for m in bogota} == {datetime(2026, 12, 1, 14, 0, tzinfo=UTC)}
    dakar = [m for m in messages(imported) if m.status_reason is None]
    assert dakar and {m.due_at for m in dakar} == {TUESDAY_NOON}


def test_each_message_is_written_in_its_contact_language(imported: Engine) -> None:
    plan(imported, CHECKIN, TUESDAY_NOON)
    languages = {m.occurrence_key.split(":")[1]: m.language for m in messages(imported)}
    assert set(languages.values()) == {"fr", "en", "es"}
