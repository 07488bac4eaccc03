"""An erased person answers nothing more: their links open nothing, even one whose token
outlived the erasure, and an answer staff record for their organisation goes to a
colleague."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select

from db.engine import transaction
from db.models import Contact
from db.partnerships import partnership_by_reference
from tasks.responses.answers import reached
from tasks.responses.links import token_hash
from tasks.responses.manual_entry import ManualResponse, record_manual_response
from tests.people.world import AWA, REFERENCE
from tests.pipeline import SENT, checkin_to

TOKEN = "t" * 43


def test_an_erased_contacts_link_opens_nothing(checkins: Engine) -> None:
    later, lifetime = SENT + timedelta(days=1), timedelta(days=60)
    with transaction(checkins) as session:
        message = checkin_to(session, AWA)
        message.token_hash = token_hash(TOKEN)
        session.flush()
        assert reached(session, TOKEN, later, lifetime) is message
        message.contact.erased_at = SENT
        assert reached(session, TOKEN, later, lifetime) is None


def test_an_organisations_answer_goes_to_a_contact_not_erased(checkins: Engine) -> None:
    with transaction(checkins) as session:
        partnership = partnership_by_reference(session, REFERENCE)
        assert partnership is not None
        query = select(Contact).where(Contact.partner_id == partnership.partner_id)
        first, *others = session.scalars(query.order_by(Contact.id))
        assert others
        first.erased_at = SENT
        entry = ManualResponse(
            partnership=REFERENCE, kind="sustainability_checkin", sustained="yes", capacity=3
        )
        answer = record_manual_response(session, entry, SENT + timedelta(days=2))
        assert answer.contact_id != first.id
