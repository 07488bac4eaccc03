"""Focal-point digests: each focal point gets, once a day, the partner messages they have
not had, in their language; nothing new, no mail; an unhandled message comes back once
past the answer-within limit; a partnership nobody can be told of is reported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from db.engine import transaction
from db.models import (
    Contact,
    Message,
    MessageStatus,
    PartnerMessageNotice,
    Partnership,
    ResponseChannel,
)
from db.models import TouchpointKind as K
from db.partner_messages import MessageFilter, partner_messages
from tasks.responses.answers import Answering, record_answer
from tasks.responses.inbound import record_reply
from tasks.staff.focal_points import add_focal_point
from tasks.touchpoints.focal_point_digest import occurrence_key
from tasks.touchpoints.sustainability_checkin import CheckinAnswers
from tests.focal_points import (
    ASEF,
    AWA,
    DIGEST,
    FIRST_WORDS,
    LEMAIRE,
    SECOND_WORDS,
    SOW,
    TUESDAY,
    UCAD,
    delivered,
    digests,
    handle,
    html_of,
    mail_of,
    replied,
    text_of,
)
from tests.pipeline import deliver_all, messages, plan


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
    assert "- De : Awa Ndiaye — reçu par courriel le 1 décembre 2026, 13:00" in text
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
    mails = delivered(directory, outbox, wednesday + timedelta(days=1))
    second_mail = mail_of(mails, digests(directory)[1])
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
    mail = mail_of(delivered(directory, outbox, wednesday), reminder)
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


def test_what_an_undelivered_digest_held_is_told_again(directory: Engine, outbox) -> None:
    first = replied(directory, FIRST_WORDS, TUESDAY + timedelta(hours=1))
    wednesday = TUESDAY + timedelta(days=1)
    plan(directory, DIGEST, wednesday)
    with transaction(directory) as session:
        (digest,) = session.scalars(select(Message).where(Message.kind == DIGEST))
        digest.status, digest.status_reason = MessageStatus.FAILED, "550 mailbox unavailable"
    plan(directory, DIGEST, wednesday + timedelta(days=1))
    failed, again = digests(directory)
    assert failed.status == MessageStatus.FAILED, "the failed digest keeps its state"
    assert again.context["new"] == [first] and again.context["reminders"] == []


def test_a_staff_reply_to_the_digest_is_no_partner_message(directory: Engine, outbox) -> None:
    replied(directory, FIRST_WORDS, TUESDAY + timedelta(hours=1))
    wednesday = TUESDAY + timedelta(days=1)
    plan(directory, DIGEST, wednesday)
    deliver_all(directory, [DIGEST], wednesday)
    with transaction(directory) as session:
        (digest,) = session.scalars(select(Message).where(Message.kind == DIGEST))
        record_reply(session, digest, "Merci, je la rappelle.", "Re: Messages", wednesday)
    with transaction(directory) as session:
        assert [r.words for r in partner_messages(session)] == [FIRST_WORDS]
    assert plan(directory, DIGEST, wednesday + timedelta(days=1)).inserted == 0


def test_a_digest_tells_what_came_lately_not_an_old_backlog(directory: Engine) -> None:
    old = replied(directory, "Un message d'il y a deux mois.", TUESDAY - timedelta(days=60))
    recent = replied(directory, FIRST_WORDS, TUESDAY + timedelta(hours=1))
    plan(directory, DIGEST, TUESDAY + timedelta(days=1))
    (digest,) = digests(directory)
    assert digest.context["new"] == [recent]
    with transaction(directory) as session:
        unhandled = partner_messages(session, MessageFilter(unhandled=True))
        assert old in [r.id for r in unhandled], "still listed for staff, and in the report"
