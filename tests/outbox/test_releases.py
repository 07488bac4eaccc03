"""Staff release waiting messages now (the sending window set aside, this once) or at a
time, by campaign, kind and/or country, with who and why; exactly once holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, func, select, update

from db.campaigns import campaign_for
from db.engine import for_writing, transaction
from db.models import Message, MessageStatus, Partner, TouchpointKind
from db.outbox_decisions import hold_planned, requeue
from tasks.campaigns.stages import cancel_campaign
from tasks.clock import Clock
from tasks.outbox.holds import release_held
from tasks.outbox.planning import plan_messages
from tasks.outbox.releases import Release, ReleaseError, release
from tasks.settings import get_settings
from tasks.touchpoints.registry import due_messages
from tests.pipeline import deliver_all, messages

CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN
FRIDAY_IN_ADEN = datetime(2025, 6, 13, 7, tzinfo=UTC)  # 10:00, a weekend day in Yemen
SUNDAY_IN_ADEN = datetime(2025, 6, 15, 6, tzinfo=UTC)  # 09:00, the window opens
STAFF = {"by": "Amina Saleh", "reason": "the office asked for it before the holiday"}


@pytest.fixture
def deferred(imported: Engine, app_env: pytest.MonkeyPatch) -> int:
    """The sample check-ins planned on a Friday in Yemen under the default window, in one
    campaign: deferred to Sunday. Returns the campaign's id."""
    app_env.delenv("CONTINUITY_SENDING_WINDOW")
    get_settings.cache_clear()
    with transaction(imported) as session:
        session.execute(update(Partner).values(country="YEM", time_zone="Asia/Aden"))
        campaign = campaign_for(session, CHECKIN, "check-ins", "check-ins:release")
        wanted = due_messages(session, CHECKIN, FRIDAY_IN_ADEN, (7, 14))
        plan_messages(session, wanted, campaign.id, FRIDAY_IN_ADEN, get_settings().window)
        return campaign.id


def released(engine: Engine, now: datetime = FRIDAY_IN_ADEN, **asked) -> dict:
    with transaction(for_writing(engine)) as session:
        return release(session, Release(**{**STAFF, **asked}), get_settings(), now)


def test_it_sends_messages_released_now_at_the_next_delivery_outside_their_window(
    imported: Engine, deferred: int, outbox
) -> None:
    waiting = messages(imported, status=MessageStatus.PLANNED)
    assert waiting and all(m.due_at == SUNDAY_IN_ADEN for m in waiting)
    assert deliver_all(imported, [CHECKIN], FRIDAY_IN_ADEN).counts == {}
    done = released(imported, action="release now", campaign=deferred)
    assert done == {
        "released": len(waiting),
        "held_released": 0,
        "due_at": "2025-06-13T07:00:00+00:00",
    }
    now_due = messages(imported, status=MessageStatus.PLANNED)
    assert {m.status_reason for m in now_due} == {
        "released by Amina Saleh at 2025-06-13 07:00 UTC, to go now:"
        " the office asked for it before the holiday"
    }
    deliver_all(imported, [CHECKIN], FRIDAY_IN_ADEN)
    assert len(outbox()) == len(waiting)
    assert len(messages(imported, status=MessageStatus.SENT)) == len(waiting)


def test_it_releases_at_a_time_after_which_the_window_still_applies(
    imported: Engine, deferred: int, outbox
) -> None:
    saturday = datetime(2025, 6, 14, 7, tzinfo=UTC)
    done = released(imported, action="release at", kind=CHECKIN, at=saturday)
    assert done["due_at"] == saturday.isoformat()
    assert {m.due_at for m in messages(imported, status=MessageStatus.PLANNED)} == {saturday}
    deliver_all(imported, [CHECKIN], saturday)  # Saturday is a weekend day in Yemen too
    assert outbox() == []
    deliver_all(imported, [CHECKIN], SUNDAY_IN_ADEN)
    assert len(outbox()) == done["released"]


def test_it_lets_a_release_at_undo_an_earlier_release_now(
    imported: Engine, deferred: int, outbox
) -> None:
    saturday = datetime(2025, 6, 14, 7, tzinfo=UTC)  # 10:00, a weekend day in Yemen too
    released(imported, action="release now", campaign=deferred)
    done = released(imported, action="release at", campaign=deferred, at=saturday)
    assert done["released"] > 0
    deliver_all(imported, [CHECKIN], saturday)
    assert outbox() == []
    deliver_all(imported, [CHECKIN], SUNDAY_IN_ADEN)
    assert len(outbox()) == done["released"]


def test_it_sets_the_window_aside_for_one_delivery_attempt_only(
    imported: Engine, deferred: int, app_env, smtp_sink, monkeypatch
) -> None:
    app_env.setenv("CONTINUITY_MAIL_URL", smtp_sink.url)
    get_settings.cache_clear()
    monkeypatch.setattr("tasks.outbox.lanes.CONSECUTIVE_FAILURE_LIMIT", 1000)
    smtp_sink.handler.decide = lambda envelope: "451 4.7.1 greylisted, come back later"
    done = released(imported, action="release now", campaign=deferred)
    assert deliver_all(imported, [CHECKIN], FRIDAY_IN_ADEN).counts == {"retry": done["released"]}
    smtp_sink.handler.decide = lambda envelope: "accept"
    retried = FRIDAY_IN_ADEN + timedelta(minutes=1)  # still Friday: the window is shut
    assert deliver_all(imported, [CHECKIN], retried).counts == {"deferred": done["released"]}
    waiting = messages(imported, status=MessageStatus.PLANNED)
    assert all(m.due_at == SUNDAY_IN_ADEN and "released_now" not in m.context for m in waiting)
    deliver_all(imported, [CHECKIN], SUNDAY_IN_ADEN)
    assert len(smtp_sink.accepted) == done["released"]


def test_it_lets_a_requeue_undo_a_release_now(imported: Engine, deferred: int, outbox) -> None:
    released(imported, action="release now", campaign=deferred)
    cancel_campaign(deferred, Clock.at(FRIDAY_IN_ADEN), "by staff: a mistake")
    with transaction(imported) as session:
        requeued = requeue(session, MessageStatus.CANCELLED, FRIDAY_IN_ADEN)
    assert requeued > 0
    deliver_all(imported, [CHECKIN], FRIDAY_IN_ADEN)
    assert outbox() == []
    assert len(messages(imported, status=MessageStatus.PLANNED)) == requeued


def test_it_releases_more_held_messages_than_one_statement_takes(
    imported: Engine, deferred: int, outbox, monkeypatch
) -> None:
    with transaction(imported) as session:
        held = hold_planned(session, [CHECKIN], "held: the render check failed", deferred)
    assert held > 4
    monkeypatch.setattr("tasks.outbox.releases.IDS_PER_STATEMENT", 2)
    slices: list[int] = []

    def by_slice(session, settings, now, campaign_id, ids):
        slices.append(len(ids))
        return release_held(session, settings, now, campaign_id, ids)

    monkeypatch.setattr("tasks.outbox.releases.release_held", by_slice)
    done = released(imported, action="release now", campaign=deferred)
    assert max(slices) == 2 and sum(slices) == held  # each statement binds 2 ids at most
    assert done["released"] == done["held_released"] == held
    deliver_all(imported, [CHECKIN], FRIDAY_IN_ADEN)
    assert len(outbox()) == held


def test_it_chooses_by_country_and_kind(imported: Engine, deferred: int) -> None:
    assert released(imported, action="release now", country="SEN")["released"] == 0
    assert released(imported, action="release now", kind=TouchpointKind.ADHOC)["released"] == 0
    assert released(imported, action="release now", country="ye", kind=CHECKIN)["released"] > 0


def test_it_never_touches_a_message_sent_or_claimed_nor_adds_one(
    imported: Engine, deferred: int, outbox
) -> None:
    waiting = messages(imported, status=MessageStatus.PLANNED)
    first, second = waiting[0].id, waiting[1].id
    with transaction(imported) as session:
        session.execute(
            update(Message).where(Message.id == first).values(status=MessageStatus.SENT)
        )
        session.execute(
            update(Message).where(Message.id == second).values(status=MessageStatus.SENDING)
        )
        total = session.scalar(select(func.count()).select_from(Message))
    done = released(imported, action="release now", campaign=deferred)
    assert done["released"] == len(waiting) - 2
    deliver_all(imported, [CHECKIN], FRIDAY_IN_ADEN)
    assert len(outbox()) == len(waiting) - 2
    with transaction(imported) as session:
        assert session.scalar(select(func.count()).select_from(Message)) == total
        for untouched in (session.get_one(Message, first), session.get_one(Message, second)):
            assert untouched.status_reason.startswith("Friday is a weekend day in Yemen")
            assert untouched.due_at == SUNDAY_IN_ADEN
        assert session.get_one(Message, second).status == MessageStatus.SENDING
    assert released(imported, action="release now", campaign=deferred)["released"] == 0


def test_it_releases_held_messages_once_they_render(
    imported: Engine, deferred: int, outbox
) -> None:
    with transaction(imported) as session:
        held = hold_planned(session, [CHECKIN], "held: the render check failed", deferred)
    assert held > 0
    done = released(imported, action="release now", campaign=deferred)
    assert done["released"] == done["held_released"] == held
    deliver_all(imported, [CHECKIN], FRIDAY_IN_ADEN)
    assert len(outbox()) == held


@pytest.mark.parametrize(
    ("asked", "refusal"),
    [
        ({"action": "release now", "campaign": 999}, "no campaign 999"),
        ({"action": "release at", "kind": CHECKIN, "at": FRIDAY_IN_ADEN}, "after now"),
        (
            {"action": "release at", "kind": CHECKIN, "at": FRIDAY_IN_ADEN + timedelta(days=400)},
            "within a year",
        ),
        ({"action": "release at", "kind": CHECKIN, "at": datetime(2025, 6, 14, 7)}, "time zone"),
    ],
)
def test_it_refuses_an_unknown_campaign_and_nonsense_times(
    imported: Engine, deferred: int, asked: dict, refusal: str
) -> None:
    before = messages(imported, status=MessageStatus.PLANNED)
    with pytest.raises(ReleaseError, match=refusal):
        released(imported, **asked)
    after = messages(imported, status=MessageStatus.PLANNED)
    assert [(m.id, m.due_at) for m in after] == [(m.id, m.due_at) for m in before]


@pytest.mark.parametrize(
    ("fields", "refusal"),
    [
        ({"reason": "two\nlines"}, "reason: one line"),
        ({"reason": "why\x00"}, "control characters"),
        ({"reason": "\u2028"}, "reason"),
        ({"reason": "x" * 501}, "reason: one line of at most 500"),
        ({"by": "  "}, "by is required"),
        ({"by": "b" * 257}, "by: one line of at most 256"),
        ({"country": "Atlantis"}, "not an ISO 3166 country code"),
        ({"country": "ZZ"}, "not an ISO 3166 country code"),
        ({"campaign": 0}, "greater than or equal to 1"),
        ({"campaign": None}, "choose the messages"),
        ({"action": "cancel campaign", "campaign": None}, "give the campaign's number"),
        ({"action": "cancel campaign", "kind": CHECKIN}, "takes no kind nor country"),
        ({"action": "cancel campaign", "country": "YE"}, "takes no kind nor country"),
        ({"action": "cancel campaign", "at": FRIDAY_IN_ADEN}, "takes no time"),
        ({"action": "release at"}, "give the time"),
        ({"at": FRIDAY_IN_ADEN}, "takes no time"),
        ({"action": "send everything"}, "Input should be"),
        ({"surprise": 1}, "Extra inputs are not permitted"),
    ],
)
def test_it_refuses_hostile_and_broken_input(fields: dict, refusal: str) -> None:
    asked = {"action": "release now", "campaign": 1, **STAFF, **fields}
    with pytest.raises(ValidationError, match=refusal):
        Release(**asked)
