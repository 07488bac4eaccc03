"""Helpers for the focal-point digest's tests: ASEF's ended partnership, its focal point
Aïssatou Sow (in French; the `directory` fixture in tests/conftest.py registers her), and
Awa Ndiaye's answers."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

from sqlalchemy import Engine, select

from db.engine import transaction
from db.models import Contact, Message, Response, ResponseChannel
from db.models import TouchpointKind as K
from tasks.responses.answers import Answering, record_answer
from tasks.responses.inbound import record_reply
from tasks.responses.links import rfc_message_id
from tasks.touchpoints.sustainability_checkin import CheckinAnswers
from tests.pipeline import deliver_all, messages

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


def mail_of(mails: list[EmailMessage], digest: Message) -> EmailMessage:
    """Return the mail of the outbox row `digest` among `mails` (a Maildir lists them in
    no order of delivery), by its Message-ID."""
    wanted = rfc_message_id("s" * 48, digest.id, "UNICEF Partnerships <partnerships@example.org>")
    (mail,) = [mail for mail in mails if mail["Message-ID"] == wanted]
    return mail


def text_of(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content()


def html_of(mail: EmailMessage) -> str:
    return mail.get_body(("html",)).get_content()


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
