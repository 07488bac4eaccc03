"""What an erasure touches (tasks/people/redaction.py): who the person is, whole words
only, wherever anyone quotes them, and never campaign content, others' words that merely
contain their name, nor the choices they made."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

from sqlalchemy import Engine, select

from db.engine import purge_old_pages, transaction
from db.models import (
    Campaign,
    Contact,
    CorrectiveEvent,
    InboundMail,
    InfluenceEntry,
    Message,
    Partner,
    Partnership,
    Response,
    ResponseChannel,
    TouchpointKind,
)
from tasks.corrective.plans import add_measure, open_plan, update_measure
from tasks.people.erasure import erase
from tasks.people.person import find_person
from tasks.staff.influence import register
from tests.people.world import database_bytes

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SECRET = "s" * 48
NAME = "Aminata Diallo"
ADDRESS = "aminata.diallo@école-kolda.sn"
ASCII_ADDRESS = "aminata.diallo@xn--cole-kolda-96a.sn"
BODY = "Hello {{ contact.name }}, a remarkable year. Bookmark this."


def partner_with(session, *people: tuple[str, str]) -> tuple[Partnership, list[Contact]]:
    partner = Partner(vendor_number="1", name="NGO", language="en", time_zone="UTC", country="SEN")
    session.add(partner)
    session.flush()
    partnership = Partnership(
        reference_number="SEN/1", partner_id=partner.id, document_type="PD", status="suspended"
    )
    contacts = [Contact(partner=partner, name=n, email=a, language="en") for n, a in people]
    session.add_all([partnership, *contacts])
    session.flush()
    return partnership, contacts


def whole_word(text: str) -> re.Pattern[bytes]:
    """Return a search for `text`'s bytes, any case, not inside a longer word."""
    return re.compile(rb"(?<![\w.])" + re.escape(text.encode()) + rb"(?!\w)", re.IGNORECASE)


def erase_person(engine: Engine, address: str) -> None:
    with transaction(engine) as session:
        erase(session, find_person(session, address), "asked", "staff", NOW, SECRET)
    purge_old_pages(engine)


def test_campaign_content_others_words_and_choices_stay(engine: Engine) -> None:
    others = "Bookmark this: a remarkable year, Markus said. Yes, we carry on."
    with transaction(engine) as session:
        partnership, (mark, colleague) = partner_with(
            session, ("Mark", "mark@ngo.example"), ("Awa Ndiaye", "awa@ngo.example")
        )
        content = {"en": {"subject": "Remarkable results", "body": BODY}}
        session.add(
            Campaign(
                kind=TouchpointKind.ADHOC,
                name="news",
                idempotency_key="k",
                parameters={"content": content},
            )
        )
        for contact, text, sustained in ((mark, "Yes", "yes"), (colleague, others, "yes")):
            session.add_all(
                [
                    Response(
                        contact_id=contact.id,
                        partnership_id=partnership.id,
                        channel=ResponseChannel.EMAIL,
                        kind="sustainability_checkin",
                        text=text,
                    ),
                    Response(
                        contact_id=contact.id,
                        partnership_id=partnership.id,
                        channel=ResponseChannel.PORTAL,
                        kind="sustainability_checkin",
                        answers={"sustained": sustained, "capacity": 4, "comment": ""},
                    ),
                ]
            )
    erase_person(engine, "mark@ngo.example")
    with transaction(engine) as session:
        (campaign,) = session.scalars(select(Campaign))
        assert campaign.parameters == {"content": content}
        answers = session.scalars(select(Response).order_by(Response.id)).all()
        assert [a.answers.get("sustained") for a in answers] == [None, "yes", None, "yes"]
        assert (answers[0].text, answers[2].text, answers[2].words) == ("", others, others)


def quoted_by_others(session) -> None:
    """Aminata is named by a colleague (an answer, a register entry), by an unmatched bounce
    from MAILER-DAEMON, by an ad-hoc subject, and once owned a measure now Moussa's."""
    partnership, (aminata, moussa) = partner_with(
        session, (NAME, ADDRESS), ("Moussa Fall", "moussa@ngo.example")
    )
    said = f"{NAME} ({ASCII_ADDRESS}) left; Aminata Diallova stays."
    colleague = Response(
        contact_id=moussa.id,
        partnership_id=partnership.id,
        channel=ResponseChannel.PORTAL,
        kind="sustainability_checkin",
        text=said,
        answers={"supporters": [{"name": NAME.upper(), "role": "teacher"}], "comment": said},
    )
    own = Response(
        contact_id=aminata.id,
        partnership_id=partnership.id,
        channel=ResponseChannel.PORTAL,
        kind="sustainability_checkin",
        answers={"supporters": [{"name": NAME}]},
    )
    session.add_all([colleague, own])
    session.flush()
    register(session, partnership.id, NAME, response_id=own.id)
    register(session, partnership.id, "aminata  DIALLO", response_id=colleague.id)
    session.add(
        InboundMail(
            dedup_key="x",
            mailbox_key="k",
            from_address="MAILER-DAEMON@mx.example",
            subject=f"Undelivered Mail: {ASCII_ADDRESS.upper()}",
            classification="bounce",
            text=f"<{ADDRESS}>: 550 5.1.1 unknown",
            details={"failures": [{"address": ADDRESS}]},
        )
    )
    session.add(
        Message(
            contact_id=aminata.id,
            kind=TouchpointKind.ADHOC,
            language="en",
            occurrence_key="adhoc:1",
            subject=f"For {NAME}",
            status="sent",
        )
    )
    plan = open_plan(session, partnership, "late", "staff: Hélène", NOW)
    values = {"description": "Recruit", "owner_id": aminata.id, "due_on": date(2026, 2, 1)}
    measure = add_measure(session, plan, values, "staff: Hélène", NOW)
    update_measure(session, measure, {"owner": moussa}, "staff: Hélène", NOW)


def test_no_one_quotes_them_afterwards(engine: Engine) -> None:
    with transaction(engine) as session:
        quoted_by_others(session)
    erase_person(engine, ADDRESS)
    held = [NAME, "aminata.diallo", "xn--cole-kolda-96a", "école-kolda", "\\u00e9cole-kolda"]
    if engine.dialect.name == "sqlite":
        files = database_bytes(engine)
        assert [text for text in held if whole_word(text).search(files)] == []
    with transaction(engine) as session:
        records = [
            *[(r.text, r.words, r.answers) for r in session.scalars(select(Response))],
            *[(m.subject, m.text, m.details) for m in session.scalars(select(InboundMail))],
            *session.scalars(select(Message.subject)),
            *session.scalars(select(CorrectiveEvent.details)),
        ]
        text = json.dumps(records, ensure_ascii=False).casefold()
        entries = session.scalars(select(InfluenceEntry)).all()
    assert not [word for word in held if whole_word(word).search(text.encode())]
    assert "[erased] ([erased]) left; aminata diallova stays." in text
    assert "owner" in text and "moussa fall" in text
    assert [(e.name, e.key) for e in entries] == [("[erased]", "")]
