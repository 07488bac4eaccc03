"""Erasing a person (tasks/people/erasure.py): nothing identifying them stays, in the rows
or (SQLite) in the files; what quotes them elsewhere is redacted; no import, staff
directory or late reply brings them back."""

from __future__ import annotations

import json
import mailbox
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from db.engine import purge_old_pages, transaction
from db.models import (
    DEFAULT_ROLE,
    Acknowledgement,
    Contact,
    ContactEvent,
    CorrectiveEvent,
    CorrectiveMeasure,
    InboundMail,
    InfluenceEntry,
    Message,
    Partnership,
    Response,
)
from db.partnerships import partnership_by_reference
from tasks.corrective.plans import add_measure, open_plan, report_status
from tasks.mail.inbox import InboxItem
from tasks.people.changes import ChangeError, set_details
from tasks.people.erasure import erase
from tasks.people.person import find_person
from tasks.people.redaction import ERASED
from tasks.responses.collect import collect_mail
from tasks.responses.inbound import record_inbound
from tasks.settings import get_settings
from tasks.staff.focal_points import DirectoryError, add_focal_point, staff_contact
from tests.focal_points import SOW
from tests.people.world import (
    AWA,
    AWA_NAME,
    JB,
    JB_ASCII,
    JB_NAME,
    NOW,
    database_bytes,
    exports,
    import_into,
    phone_answer,
)
from tests.pipeline import SENT, checkin_to, sample_mail

SECRET = "s" * 48
JB_WORDS = "Les enseignants formés sont restés à Kolda."
JB_MAIL = "Bonjour, voici ma nouvelle adresse professionnelle à Ziguinchor."


def erase_person(engine: Engine, ident: str, actor: str = "Aïda") -> None:
    with transaction(engine) as session:
        erase(session, find_person(session, ident), "asked by phone", actor, NOW, SECRET)
    purge_old_pages(engine)


def mail_from(engine: Engine, sender: str, text: str) -> None:
    """Collect an unmatched mail from `sender`."""
    raw = (
        f"From: {sender}\r\nTo: partnerships@example.org\r\nSubject: Adresse\r\n"
        "Message-ID: <jb-0001@mail.example>\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n"
    ).encode()
    with transaction(engine) as session:
        record_inbound(session, SECRET, InboxItem("maildir:jb-0001", raw), NOW)


def test_an_internationalised_address_leaves_the_files_in_both_forms(
    people: Engine, app_env, tmp_path: Path
) -> None:
    with transaction(people) as session:
        first = find_person(session, JB).ids[0]
    phone_answer(people, first, JB_WORDS, "SEN/PCA2021001/PD2021001")
    mail_from(people, f"{JB_NAME} <{JB_ASCII}>", JB_MAIL)
    held = [JB, "xn--cole-kolda-96a", JB_NAME, JB_WORDS, JB_MAIL, "Ndiay\\u00e9"]
    erase_person(people, JB_ASCII)
    if people.dialect.name == "sqlite":
        files = database_bytes(people)
        assert not [text for text in held if text.encode() in files]
    with transaction(people) as session:
        assert [c.name for c in session.scalars(select(Contact).order_by(Contact.id))] == [
            "",
            "Moussa Fall",
            "",
        ]
        (mail,) = session.scalars(select(InboundMail))
        assert (mail.from_address, mail.text, mail.cleared_at) == ("", "", NOW)
        (answer,) = session.scalars(select(Response))
        assert (answer.text, answer.answers["comment"], answer.answers["capacity"]) == ("", "", 3)
    counts = import_into(people, exports(tmp_path))
    assert counts["contacts"] == {"erased, not re-added": 2, "unchanged": 1}


def test_a_person_without_address_is_kept_out_of_imports_by_name(
    people: Engine, app_env, tmp_path: Path
) -> None:
    with transaction(people) as session:
        moussa = session.scalars(select(Contact.id).where(Contact.name == "Moussa Fall")).one()
    erase_person(people, str(moussa))
    counts = import_into(people, exports(tmp_path))
    assert counts["contacts"] == {"erased, not re-added": 1, "unchanged": 2}


def test_erasing_needs_a_reason_and_happens_once(people: Engine) -> None:
    with transaction(people) as session:
        person = find_person(session, JB)
        with pytest.raises(ChangeError, match="say why"):
            erase(session, person, " ", "Aïda", NOW, SECRET)
    erase_person(people, JB)
    with pytest.raises(ChangeError, match="already erased"), transaction(people) as session:
        (number, _) = [c.id for c in session.scalars(select(Contact).where(Contact.name == ""))]
        erase(session, find_person(session, str(number)), "again", "Aïda", NOW, SECRET)


def quoted_everywhere(engine: Engine) -> tuple[int, str]:
    """Awa approves an acknowledgement, owns a measure she reports on, names herself as a
    supporter, and a server's refusal and her history quote her address; return her
    number and her measure comment."""
    comment = "Retard dû au départ d'Awa Ndiaye en congé"
    with transaction(engine) as session:
        awa = session.scalars(select(Contact).where(Contact.email == AWA)).one()
        active = partnership_by_reference(session, "SEN/PCA2021001/PD2025002")
        assert active is not None
        ended = session.scalars(select(Partnership).where(Partnership.id != active.id)).first()
        session.add(Acknowledgement(partnership=ended, text={}, partner_approved_by=AWA_NAME))
        plan = open_plan(session, active, "late", "staff: Aïda", NOW)
        values = {"description": "Former", "owner": awa, "due_on": date(2027, 1, 1)}
        measure = add_measure(session, plan, values, "staff: Aïda", NOW)
        assert report_status(session, measure.id, "late", comment, awa, NOW)
        message = checkin_to(session, AWA)
        message.server_reply = f"250 2.1.5 <{AWA}> recipient ok"
        session.add(ContactEvent(contact_id=awa.id, actor="x", action="note", details={"a": AWA}))
        response = Response(contact_id=awa.id, channel="portal", kind="sustainability_checkin")
        session.add(response)
        session.flush()
        session.add(
            InfluenceEntry(partnership_id=active.id, name=AWA_NAME, response_id=response.id)
        )
        return awa.id, comment


def test_what_quotes_them_elsewhere_is_redacted(checkins: Engine) -> None:
    number, comment = quoted_everywhere(checkins)
    erase_person(checkins, AWA)
    with transaction(checkins) as session:
        records = [
            *session.scalars(select(Acknowledgement.partner_approved_by)),
            *session.scalars(select(CorrectiveMeasure.status_comment)),
            *session.scalars(select(CorrectiveEvent.actor)),
            *[json.dumps(d) for d in session.scalars(select(CorrectiveEvent.details))],
            *session.scalars(select(Message.server_reply).where(Message.contact_id == number)),
            *[json.dumps(d) for d in session.scalars(select(ContactEvent.details))],
            *session.scalars(select(InfluenceEntry.name)),
        ]
    text = "\n".join(str(record) for record in records)
    assert AWA_NAME not in text and AWA not in text and comment not in text
    assert "partner: [erased]" in text and "<[erased]> recipient ok" in text


def test_a_reply_coming_after_the_erasure_keeps_nothing(
    checkins: Engine, app_env, tmp_path: Path
) -> None:
    with transaction(checkins) as session:
        raw = sample_mail("reply-fr.eml", checkin_to(session, AWA))
    erase_person(checkins, AWA)
    app_env.setenv("CONTINUITY_INBOX_URL", f"maildir://{tmp_path / 'inbox'}")
    get_settings.cache_clear()
    mailbox.Maildir(tmp_path / "inbox", create=True).add(raw)
    collect_mail(checkins, get_settings(), SENT + timedelta(days=2))
    with transaction(checkins) as session:
        (mail,) = session.scalars(select(InboundMail))
        assert (mail.classification, mail.from_address, mail.text) == ("reply", "", "")
        assert mail.response_id is None and mail.cleared_at is not None
        assert session.scalars(select(Response)).all() == []


def test_an_erased_focal_point_stays_out_of_the_staff_directory(directory: Engine) -> None:
    with transaction(directory) as session:
        sow = session.scalars(select(Contact).where(Contact.email == SOW)).one()
        session.add(Response(contact_id=sow.id, channel="email", kind="x", handled_by=sow.name))
    erase_person(directory, SOW)
    for register in (
        lambda session: add_focal_point(session, "Aïssatou Sow", SOW.upper(), "fr"),
        lambda session: staff_contact(session, SOW, "fr"),
    ):
        with pytest.raises(DirectoryError, match="erased"), transaction(directory) as session:
            register(session)
    with transaction(directory) as session:
        assert set(session.scalars(select(Response.handled_by))) == {"[erased]"}


def test_their_role_goes_with_their_name(people: Engine) -> None:
    """A role and place ("Inspecteur, Kolda") can name someone as well as a name does."""
    role = "Inspecteur pédagogique, Kolda"
    with transaction(people) as session:
        set_details(session, find_person(session, JB), {"role": role}, "asked", "Aïda", NOW)
    erase_person(people, JB)
    if people.dialect.name == "sqlite":
        assert role.encode() not in database_bytes(people)
    with transaction(people) as session:
        erased = session.scalars(select(Contact).where(Contact.erased_at.is_not(None))).all()
        assert {(c.role, c.role_by_staff) for c in erased} == {(DEFAULT_ROLE, False)}
        events = session.scalars(select(ContactEvent).where(ContactEvent.action == "changed"))
        assert [event.details["role"] for event in events] == [[ERASED, ERASED]] * 2
