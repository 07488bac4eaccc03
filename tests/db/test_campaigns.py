"""A campaign's status follows its messages (`Campaign.follow`, `db.campaigns.settle`), on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select, update

from db.campaigns import campaign_for, drop_if_empty, keyed, settle
from db.engine import transaction
from db.models import Campaign, Message, MessageStatus, TouchpointKind
from tasks.outbox.planning import plan_messages
from tasks.touchpoints.registry import due_messages
from tests.pipeline import ALWAYS_OPEN

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
KIND = TouchpointKind.SUSTAINABILITY_CHECKIN
S = MessageStatus


@pytest.fixture
def campaign(imported: Engine) -> int:
    """The sample check-ins due at NOW, planned under one campaign; its id."""
    with transaction(imported) as session:
        found = campaign_for(session, KIND, "check-ins", f"{KIND}:{NOW.isoformat()}")
        wanted = due_messages(session, KIND, NOW, (7, 14))
        assert plan_messages(session, wanted, found.id, NOW, ALWAYS_OPEN).inserted >= 4
        return found.id


def become(engine: Engine, campaign_id: int, *statuses: MessageStatus) -> str:
    """Give the campaign's first messages `statuses` (the rest stay as they are), settle
    it and return its status."""
    with transaction(engine) as session:
        ids = session.scalars(
            select(Message.id).where(Message.campaign_id == campaign_id).order_by(Message.id)
        ).all()
        for message_id, status in zip(ids, statuses, strict=False):
            session.execute(update(Message).where(Message.id == message_id).values(status=status))
        settle(session, [campaign_id])
        return session.get_one(Campaign, campaign_id).status


def all_become(engine: Engine, campaign_id: int, status: MessageStatus) -> None:
    with transaction(engine) as session:
        session.execute(
            update(Message).where(Message.campaign_id == campaign_id).values(status=status)
        )


def test_it_stays_planned_until_a_message_is_tried_then_is_sending(
    imported: Engine, campaign: int
) -> None:
    assert become(imported, campaign) == "planned"
    assert become(imported, campaign, S.SKIPPED) == "planned"
    assert become(imported, campaign, S.SKIPPED, S.SENDING) == "sending"
    assert become(imported, campaign, S.SKIPPED, S.SENT) == "sending"


def test_it_is_sent_when_every_message_is_final_and_none_failed(
    imported: Engine, campaign: int
) -> None:
    all_become(imported, campaign, S.SENT)
    assert become(imported, campaign, S.SKIPPED, S.BOUNCED, S.CANCELLED) == "sent"


@pytest.mark.parametrize("failure", [S.FAILED, S.UNCONFIRMED])
def test_it_partly_failed_when_every_message_is_final_and_some_failed(
    imported: Engine, campaign: int, failure: MessageStatus
) -> None:
    all_become(imported, campaign, S.SENT)
    assert become(imported, campaign, failure) == "partly failed"


def test_it_failed_when_every_message_is_final_and_none_went(
    imported: Engine, campaign: int
) -> None:
    all_become(imported, campaign, S.SKIPPED)
    assert become(imported, campaign, S.FAILED, S.UNCONFIRMED) == "failed"


def test_it_says_nothing_was_sent_when_every_message_was_skipped(
    imported: Engine, campaign: int
) -> None:
    all_become(imported, campaign, S.SKIPPED)
    assert become(imported, campaign) == "nothing sent"


def test_it_is_cancelled_when_every_message_not_skipped_was_cancelled(
    imported: Engine, campaign: int
) -> None:
    all_become(imported, campaign, S.CANCELLED)
    assert become(imported, campaign, S.SKIPPED) == "cancelled"


def test_a_requeued_message_makes_it_sending_again_then_sent(
    imported: Engine, campaign: int
) -> None:
    all_become(imported, campaign, S.SENT)
    assert become(imported, campaign, S.FAILED) == "partly failed"
    assert become(imported, campaign, S.PLANNED) == "sending"
    assert become(imported, campaign, S.SENT) == "sent"


def test_held_messages_show_until_staff_release_or_cancel_them(
    imported: Engine, campaign: int
) -> None:
    all_become(imported, campaign, S.HELD)
    assert become(imported, campaign) == "held"
    assert become(imported, campaign, S.SENT, S.SENT) == "held"
    all_become(imported, campaign, S.SENT)
    assert become(imported, campaign) == "sent"


def test_a_cancelled_campaign_stays_cancelled(imported: Engine, campaign: int) -> None:
    from tasks.campaigns.runs import cancel

    with transaction(imported) as session:
        cancel(session, session.get_one(Campaign, campaign), NOW)
    assert become(imported, campaign, S.SENT) == "cancelled"
    with transaction(imported) as session:
        counts = {
            m.status
            for m in session.scalars(select(Message).where(Message.campaign_id == campaign))
        }
    assert counts == {S.SENT, S.CANCELLED}


def test_settling_follows_every_unsettled_campaign_and_says_what_changed(
    imported: Engine, campaign: int
) -> None:
    all_become(imported, campaign, S.SENT)
    with transaction(imported) as session:
        assert settle(session, []) == {campaign: "sent"}
        assert settle(session, [None, campaign]) == {}


def test_a_campaign_without_messages_is_dropped_and_one_with_messages_kept(
    imported: Engine, campaign: int
) -> None:
    with transaction(imported) as session:
        empty = campaign_for(session, KIND, "nobody", "nobody")
        assert drop_if_empty(session, empty)
        assert keyed(session, "nobody") is None
        assert not drop_if_empty(session, session.get_one(Campaign, campaign))
