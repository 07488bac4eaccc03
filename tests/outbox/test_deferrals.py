"""Each delivery first gives the messages the window deferred the due time today's window
and calendars give them: a widened window sends at once what waited for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, update
from typer.testing import CliRunner

from continuity.cli.main import app
from db.engine import transaction
from db.models import Message, MessageStatus, Partner, TouchpointKind
from tasks.calendar_changes import Author, checked_country, open_day
from tasks.outbox.deferrals import reevaluate_deferred
from tasks.sending_window import parse_window
from tasks.settings import get_settings
from tests.pipeline import messages, plan

CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN
SATURDAY = datetime(2026, 12, 5, 10, tzinfo=UTC)  # 10:00 in Dakar
MONDAY = datetime(2026, 12, 7, 9, tzinfo=UTC)
WEEKDAYS = parse_window("mon-fri 09:00-17:00")
runner = CliRunner()


@pytest.fixture
def saturday(imported: Engine, app_env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The sample check-ins planned on a Saturday in Senegal, window Monday to Friday:
    deferred to Monday 09:00. Yields the settings' patcher."""
    with transaction(imported) as session:
        session.execute(update(Partner).values(country="SEN", time_zone="Africa/Dakar"))
    plan(imported, CHECKIN, SATURDAY, window=WEEKDAYS)
    app_env.setenv("CONTINUITY_SENDING_WINDOW", str(WEEKDAYS))
    get_settings.cache_clear()
    return app_env


def deliver(at: datetime) -> str:
    result = runner.invoke(app, ["outbox", "deliver", "--as-of", at.isoformat(), "--json"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_it_sends_at_once_what_waited_for_monday_once_the_window_takes_saturday(
    imported: Engine, saturday: pytest.MonkeyPatch, outbox
) -> None:
    waiting = messages(imported, status=MessageStatus.PLANNED)
    assert waiting and {m.due_at for m in waiting} == {MONDAY}
    assert '"sent"' not in deliver(SATURDAY + timedelta(minutes=5))
    assert outbox() == []
    saturday.setenv("CONTINUITY_SENDING_WINDOW", "mon-sat 09:00-17:00")
    get_settings.cache_clear()
    shown = deliver(SATURDAY + timedelta(minutes=10))
    assert f'"deferral_moved": {len(waiting)}' in shown
    assert len(outbox()) == len(waiting)
    assert len(messages(imported, status=MessageStatus.SENT)) == len(waiting)


def test_it_moves_a_deferral_to_the_next_opening_of_a_narrower_window(
    imported: Engine, saturday: pytest.MonkeyPatch
) -> None:
    with transaction(imported) as session:
        moved = reevaluate_deferred(session, parse_window("tue-fri 09:00-17:00"), SATURDAY)
    waiting = messages(imported, status=MessageStatus.PLANNED)
    assert moved == len(waiting) > 0
    assert {m.due_at for m in waiting} == {MONDAY + timedelta(days=1)}
    assert {m.status_reason for m in waiting} == {
        "Saturday is outside the sending window's days (tue-fri 09:00-17:00);"
        " deferred to 2026-12-08 09:00 Africa/Dakar"
    }


def test_it_writes_nothing_when_neither_window_nor_calendar_changed(
    imported: Engine, saturday: pytest.MonkeyPatch
) -> None:
    before = [(m.id, m.due_at, m.status_reason) for m in messages(imported)]
    for later in (SATURDAY, SATURDAY + timedelta(hours=20), MONDAY - timedelta(minutes=1)):
        with transaction(imported) as session:
            assert reevaluate_deferred(session, WEEKDAYS, later) == 0
    assert [(m.id, m.due_at, m.status_reason) for m in messages(imported)] == before


def test_it_follows_a_day_staff_open(imported: Engine, saturday: pytest.MonkeyPatch) -> None:
    hours = parse_window("09:00-17:00")  # Senegal's working days
    with transaction(imported) as session:
        reevaluate_deferred(session, hours, SATURDAY)
        staff = Author("Awa Ndiaye", "the office works this Saturday")
        open_day(session, checked_country("SN"), SATURDAY.date(), staff, SATURDAY)
    with transaction(imported) as session:
        assert reevaluate_deferred(session, hours, SATURDAY) > 0
    waiting = messages(imported, status=MessageStatus.PLANNED)
    assert {m.due_at for m in waiting} == {SATURDAY}
    assert {m.status_reason for m in waiting} == {
        "due: the sending window (09:00-17:00) is open now"
    }


def test_it_leaves_alone_a_campaign_planned_for_later_and_staff_releases(
    imported: Engine, saturday: pytest.MonkeyPatch
) -> None:
    waiting = messages(imported, status=MessageStatus.PLANNED)
    later, released = waiting[0].id, waiting[1].id
    with transaction(imported) as session:
        session.execute(
            update(Message)
            .where(Message.id == later)
            .values(created_at=SATURDAY + timedelta(hours=2))  # a campaign's send_at
        )
        session.execute(
            update(Message)
            .where(Message.id == released)
            .values(status_reason="released by A at …, to go from …: x; deferred to y")
        )
    with transaction(imported) as session:
        moved = reevaluate_deferred(session, parse_window("mon-sun 00:00-23:59"), SATURDAY)
    assert moved == len(waiting) - 2
    kept = {m.id: m.due_at for m in messages(imported, status=MessageStatus.PLANNED)}
    assert kept[later] == kept[released] == MONDAY
