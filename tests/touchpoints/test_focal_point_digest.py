"""Focal-point digests: each focal point gets, once a day, the partner messages they have
not had, in their language; nothing new, no mail; an unhandled message comes back once
past the answer-within limit; a partnership nobody can be told of is reported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from urllib.parse import unquote

import pytest
from sqlalchemy import Engine, select

from db.engine import transaction
from db.models import (
    Contact,
    Message,
    MessageStatus,
    PartnerMessageNotice,
    Partnership,
    Response,
    ResponseChannel,
)
from db.models import TouchpointKind as K
from tasks.responses.answers import Answering, record_answer
from tasks.responses.inbound import record_reply
from tasks.staff.focal_points import add_focal_point
from tasks.touchpoints.focal_point_digest import mailto, occurrence_key
from tasks.touchpoints.sustainability_checkin import CheckinAnswers
from tests.pipeline import deliver_all, messages, plan

ASEF = "SEN/PCA2021001/PD2021004"
UCAD = "SEN/PCA2022005/PD2023002"
AWA = "a.ndiaye@asef-senegal.example.org"
SOW = "a.sow@unicef.example.org"
LEMAIRE = "p.lemaire@unicef.example.org"
DIGEST = K.FOCAL_POINT_DIGEST
# A Tuesday: check-ins go out, the partner replies the same day.
TUESDAY = datetime(2026, 12, 1, 12, tzinfo=UTC)
FIRST_WORDS = "Les cantines scolaires continuent grâce à la mairie de Kolda."
SECOND_WORDS = "Nous manquons d'enseignantes formées depuis la fin du projet."


@pytest.fixture
def directory(imported: Engine, app_env) -> Engine:
    """The sample data with ASEF's check-ins planned and one focal point of its ended
    partnership (Aïssatou Sow, in French) registered; Pierre Lemaire, its other one, has
    no address."""
    plan(imported, K.SUSTAINABILITY_CHECKIN, TUESDAY)
    with transaction(imported) as session:
        add_focal_point(session, "Aïssatou Sow", SOW, "fr")
    return imported


def replied(engine: Engine, words: str, at: datetime, subject: str = "Re: Résultats") -> int:
    """Record Awa Ndiaye's e-mail reply to her check-in on ASEF's ended partnership."""
    with transaction(engine) as session:
        checkin = session.scalars(
            select(Message).where(
                Message.kind == K.SUSTAINABILITY_CHECKIN,
                Message.contact.has(Contact.email == AWA),
                Message.partnership.has(reference_number=ASEF),
            )
        ).one()
        return record_reply(session, checkin, words, subject, at).id


def handle(engine: Engine, ident: int, at: datetime) -> None:
    with transaction(engine) as session:
        session.get_one(Response, ident).handle("Moussa Diop", "called back", at)


def digests(engine: Engine) -> list[Message]:
    return messages(engine, kind=DIGEST)


def delivered(engine: Engine, outbox, at: datetime) -> list[EmailMessage]:
    deliver_all(engine, [DIGEST], at)
    return outbox()


def text_of(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content()


def html_of(mail: EmailMessage) -> str:
    return mail.get_body(("html",)).get_content()


def test_the_focal_point_gets_one_digest_in_french_with_both_replies(
    directory: Engine, outbox
) -> None:
    first = replied(directory, FIRST_WORDS, TUESDAY + timedelta(hours=1))
    second = replied(directory, SECOND_WORDS, TUESDAY + timedelta(hours=2), "Re: Suite")
    wednesday = TUESDAY + timedelta(days=1)
    plan(directory, DIGEST, wednesday)
    (digest,) = digests(directory)
    assert digest.contact.email == SOW and digest.language == "fr"
    assert digest.occurrence_key == "focal_point_digest:2026-12-02"
    assert digest.context["new"] == [first, second] and digest.context["reminders"] == []
    (mail,) = delivered(directory, outbox, wednesday)
    assert mail["To"].endswith(f"<{SOW}>")
    assert mail["Subject"] == "Messages de partenaires : 2 nouveaux"
    text = text_of(mail)
    assert "Bonjour Aïssatou Sow," in text
    assert "Association Sénégalaise pour l'Éducation des Filles — « Maintien" in text
    assert f"({ASEF})" in text
    assert "- De la part de Awa Ndiaye, par courriel, le 1 décembre 2026, 13:00" in text
    assert f"    {FIRST_WORDS}" in text and f"    {SECOND_WORDS}" in text
    assert f"mailto:{AWA}?subject=Re%3A%20R%C3%A9sultats" in text
    assert f"mailto:{AWA}?subject=Re%3A%20Suite" in text
    for ident in (first, second):
        assert f'continuity response handle {ident} --by "votre nom"' in text
    assert f'href="mailto:{AWA}?subject=Re%3A%20Suite"' in html_of(mail)


def test_a_day_with_nothing_new_sends_nothing(directory: Engine, outbox) -> None:
    assert plan(directory, DIGEST, TUESDAY).inserted == 0
    replied(directory, FIRST_WORDS, TUESDAY + timedelta(hours=1))
    wednesday = TUESDAY + timedelta(days=1)
    plan(directory, DIGEST, wednesday)
    for later in (timedelta(hours=3), timedelta(days=1), timedelta(days=2)):
        assert plan(directory, DIGEST, wednesday + later).inserted == 0
    assert len(digests(directory)) == 1
    assert len(delivered(directory, outbox, wednesday + timedelta(days=2))) == 1


def test_the_next_digest_holds_only_the_new_reply(directory: Engine, outbox) -> None:
    first = replied(directory, FIRST_WORDS, TUESDAY + timedelta(hours=1))
    handled = replied(directory, "Une question sur le rapport final.", TUESDAY + timedelta(hours=2))
    wednesday = TUESDAY + timedelta(days=1)
    plan(directory, DIGEST, wednesday)
    delivered(directory, outbox, wednesday)
    handle(directory, handled, wednesday + timedelta(hours=1))
    newest = replied(directory, SECOND_WORDS, wednesday + timedelta(hours=2))
    plan(directory, DIGEST, wednesday + timedelta(days=1))
    assert [d.context["new"] for d in digests(directory)] == [[first, handled], [newest]]
    second_mail = delivered(directory, outbox, wednesday + timedelta(days=1))[1]
    assert second_mail["Subject"] == "Messages de partenaires : 1 nouveau"
    text = text_of(second_mail)
    assert SECOND_WORDS in text and FIRST_WORDS not in text and "rapport final" not in text


def test_a_reply_after_the_days_digest_comes_in_the_next_one(directory: Engine) -> None:
    replied(directory, FIRST_WORDS, TUESDAY + timedelta(hours=1))
    wednesday = TUESDAY + timedelta(days=1)
    plan(directory, DIGEST, wednesday)
    later = replied(directory, SECOND_WORDS, wednesday + timedelta(hours=1))
    assert plan(directory, DIGEST, wednesday + timedelta(hours=2)).inserted == 0
    plan(directory, DIGEST, wednesday + timedelta(days=1))
    assert [d.context["new"] for d in digests(directory)][1] == [later]


def test_a_reply_received_after_the_moment_planned_for_waits(directory: Engine) -> None:
    replied(directory, FIRST_WORDS, TUESDAY + timedelta(days=3))
    assert plan(directory, DIGEST, TUESDAY + timedelta(days=1)).inserted == 0
    with transaction(directory) as session:
        assert session.scalars(select(PartnerMessageNotice)).all() == []


def test_an_unhandled_message_comes_back_once_as_a_reminder(directory: Engine, outbox) -> None:
    ident = replied(directory, FIRST_WORDS, TUESDAY + timedelta(hours=1))
    plan(directory, DIGEST, TUESDAY + timedelta(days=1))
    # Tuesday to the next Tuesday is 5 working days: not more than the limit yet.
    assert plan(directory, DIGEST, TUESDAY + timedelta(days=7)).inserted == 0
    wednesday = TUESDAY + timedelta(days=8)
    plan(directory, DIGEST, wednesday)
    for later in (1, 2, 30):
        assert plan(directory, DIGEST, wednesday + timedelta(days=later)).inserted == 0
    told, reminder = digests(directory)
    assert told.context["new"] == [ident]
    assert reminder.context["new"] == [] and reminder.context["reminders"] == [ident]
    mail = delivered(directory, outbox, wednesday)[1]
    assert mail["Subject"] == "Messages de partenaires : 1 toujours sans réponse"
    text = text_of(mail)
    assert "EN ATTENTE DE RÉPONSE DEPUIS PLUS DE 5 JOURS OUVRÉS" in text
    assert "NOUVEAUX MESSAGES" not in text and FIRST_WORDS in text


def test_a_handled_message_never_comes_back(directory: Engine) -> None:
    ident = replied(directory, FIRST_WORDS, TUESDAY + timedelta(hours=1))
    plan(directory, DIGEST, TUESDAY + timedelta(days=1))
    handle(directory, ident, TUESDAY + timedelta(days=2))
    for later in (2, 8, 9, 40):
        assert plan(directory, DIGEST, TUESDAY + timedelta(days=later)).inserted == 0


def test_the_answer_within_limit_is_a_setting(directory: Engine, app_env) -> None:
    from tasks.settings import get_settings

    app_env.setenv("CONTINUITY_ANSWER_WITHIN_DAYS", "2")
    get_settings.cache_clear()
    ident = replied(directory, FIRST_WORDS, TUESDAY + timedelta(hours=1))
    plan(directory, DIGEST, TUESDAY + timedelta(days=1))
    plan(directory, DIGEST, TUESDAY + timedelta(days=3))
    assert digests(directory)[1].context == {
        "new": [],
        "reminders": [ident],
        "late": [],
        "answer_within_days": 2,
    }


def test_a_message_already_late_when_first_told_comes_back_no_more(
    imported: Engine, app_env, outbox
) -> None:
    plan(imported, K.SUSTAINABILITY_CHECKIN, TUESDAY)
    ident = replied(imported, FIRST_WORDS, TUESDAY + timedelta(hours=1))
    later = TUESDAY + timedelta(days=14)
    with transaction(imported) as session:
        add_focal_point(session, "Pierre Lemaire", LEMAIRE, "en")
    plan(imported, DIGEST, later)
    for days in (1, 2, 20):
        assert plan(imported, DIGEST, later + timedelta(days=days)).inserted == 0
    (digest,) = digests(imported)
    assert digest.context["new"] == [ident] and digest.context["late"] == [ident]
    (mail,) = delivered(imported, outbox, later)
    assert mail["Subject"] == "Partner messages: 1 new"
    text = text_of(mail)
    assert "- From Awa Ndiaye, by e-mail, on December 1, 2026, 1:00\u202fPM" in text
    assert "Already waiting for more than 5 working days." in text


def test_each_focal_point_of_the_partnership_gets_it_in_their_language(
    directory: Engine, outbox
) -> None:
    with transaction(directory) as session:
        add_focal_point(session, "Pierre Lemaire", LEMAIRE, "es")
    ident = replied(directory, FIRST_WORDS, TUESDAY + timedelta(hours=1))
    plan(directory, DIGEST, TUESDAY + timedelta(days=1))
    found = {d.contact.email: (d.language, d.context["new"]) for d in digests(directory)}
    assert found == {SOW: ("fr", [ident]), LEMAIRE: ("es", [ident])}
    subjects = sorted(m["Subject"] for m in delivered(directory, outbox, TUESDAY + timedelta(1)))
    assert subjects == ["Mensajes de socios: 1 nuevo", "Messages de partenaires : 1 nouveau"]
    with transaction(directory) as session:
        assert len(session.scalars(select(PartnerMessageNotice)).all()) == 2


def test_a_focal_point_of_two_partnerships_gets_one_digest_for_both(
    directory: Engine, outbox
) -> None:
    with transaction(directory) as session:
        add_focal_point(session, "Pierre Lemaire", LEMAIRE, "en")
        ucad = session.scalars(select(Partnership).where(Partnership.reference_number == UCAD))
        partnership = ucad.one()
        (contact, *_) = partnership.partner.contacts
        who = Answering(contact, partnership, K.SUSTAINABILITY_CHECKIN)
        answers = CheckinAnswers(sustained="yes", capacity=4, comment="Le laboratoire continue.")
        at = TUESDAY + timedelta(hours=3)
        phoned = record_answer(session, who, answers, ResponseChannel.PHONE, at).id
    emailed = replied(directory, FIRST_WORDS, TUESDAY + timedelta(hours=1))
    plan(directory, DIGEST, TUESDAY + timedelta(days=1))
    (digest,) = [d for d in digests(directory) if d.contact.email == LEMAIRE]
    assert digest.context["new"] == [emailed, phoned]
    mails = delivered(directory, outbox, TUESDAY + timedelta(days=1))
    (mail,) = [m for m in mails if LEMAIRE in m["To"]]
    assert mail["Subject"] == "Partner messages: 2 new"
    text = text_of(mail)
    assert f"({ASEF})" in text and f"({UCAD})" in text
    assert "by phone, on December 1, 2026, 3:00\u202fPM" in text
    assert "Le laboratoire continue." in text and FIRST_WORDS in text


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


def answered_by_phone(engine: Engine, comment: str, at: datetime) -> int:
    """Record Awa Ndiaye's answer to her check-in, given by phone: a revision of any
    earlier one."""
    with transaction(engine) as session:
        checkin = session.scalars(
            select(Message).where(
                Message.kind == K.SUSTAINABILITY_CHECKIN, Message.contact.has(Contact.email == AWA)
            )
        ).one()
        who = Answering(checkin.contact, checkin.partnership, checkin.kind, checkin)
        answers = CheckinAnswers(sustained="partly", capacity=3, comment=comment)
        return record_answer(session, who, answers, ResponseChannel.PHONE, at).id


def test_an_answer_revised_before_the_digest_goes_out_comes_in_the_next(
    directory: Engine, outbox
) -> None:
    answered_by_phone(directory, "Première version.", TUESDAY + timedelta(hours=1))
    wednesday = TUESDAY + timedelta(days=1)
    plan(directory, DIGEST, wednesday)
    revised = answered_by_phone(directory, "Version corrigée.", wednesday + timedelta(hours=1))
    (mail,) = delivered(directory, outbox, wednesday + timedelta(hours=2))
    text = text_of(mail)
    assert "Première version." not in text and "remplacés par des versions plus récentes" in text
    plan(directory, DIGEST, wednesday + timedelta(days=1))
    assert digests(directory)[1].context["new"] == [revised]


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


def test_one_digest_a_day_is_keyed_on_the_utc_date() -> None:
    late_evening = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    assert occurrence_key(late_evening) == "focal_point_digest:2026-12-01"
    assert occurrence_key(late_evening + timedelta(hours=1)) == "focal_point_digest:2026-12-02"


def test_nothing_is_told_to_a_focal_point_whose_digest_would_be_skipped(
    directory: Engine,
) -> None:
    with transaction(directory) as session:
        focal = session.scalars(select(Contact).where(Contact.email == SOW)).one()
        focal.suppress(TUESDAY, "bounces")
    replied(directory, FIRST_WORDS, TUESDAY + timedelta(hours=1))
    assert plan(directory, DIGEST, TUESDAY + timedelta(days=1)).inserted == 0
    assert not messages(directory, kind=DIGEST, status=MessageStatus.SKIPPED)
    with transaction(directory) as session:
        assert session.scalars(select(PartnerMessageNotice)).all() == []
