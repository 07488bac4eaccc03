from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tasks.cadence import (
    CadenceError,
    first_due_at,
    next_due_after,
    trigger_for,
    validated_cadence,
)

DAKAR = ZoneInfo("Africa/Dakar")
BOGOTA = ZoneInfo("America/Bogota")


def test_a_calendar_cadence_counts_months_from_the_start_at_local_time() -> None:
    start = datetime(2025, 6, 30, tzinfo=BOGOTA)
    trigger = trigger_for("every 6 months at 10:00", "America/Bogota", start, None)
    first = first_due_at(trigger, start)
    assert first == datetime(2025, 6, 30, 10, 0, tzinfo=BOGOTA)
    assert next_due_after(trigger, first) == datetime(2025, 12, 30, 10, 0, tzinfo=BOGOTA)


def test_next_due_after_skips_to_the_first_occurrence_past_the_moment() -> None:
    start = datetime(2024, 1, 15, tzinfo=DAKAR)
    trigger = trigger_for("every 6 months at 10:00", "Africa/Dakar", start, None)
    moment = datetime(2026, 12, 1, tzinfo=UTC)
    assert next_due_after(trigger, moment) == datetime(2027, 1, 15, 10, 0, tzinfo=DAKAR)


def test_a_cadence_stops_at_its_end() -> None:
    start = datetime(2025, 1, 1, tzinfo=DAKAR)
    end = datetime(2026, 1, 1, tzinfo=DAKAR)
    trigger = trigger_for("every 6 months at 10:00", "Africa/Dakar", start, end)
    assert next_due_after(trigger, datetime(2025, 12, 1, tzinfo=UTC)) is None


def test_a_cron_cadence_runs_in_the_partner_time_zone() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    trigger = trigger_for("cron 0 10 1 * *", "America/Bogota", start, None)
    due = next_due_after(trigger, datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
    assert due == datetime(2027, 1, 1, 10, 0, tzinfo=BOGOTA)


def test_an_event_cadence_has_no_clock() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    trigger = trigger_for("on event", "UTC", start, None)
    assert trigger is None
    assert first_due_at(trigger, start) is None
    assert next_due_after(trigger, start) is None


@pytest.mark.parametrize(
    "cadence",
    [
        "weekly",
        "every 0 months at 10:00",
        "every 6 months at 25:00",
        "every 6 fortnights at 10:00",
        "cron 0 10 1 *",
        "cron 0 10 1 * 1",
        "cron 61 10 1 * *",
        "",
    ],
)
def test_a_bad_cadence_says_what_is_wrong(cadence: str) -> None:
    with pytest.raises(CadenceError, match="cadence"):
        validated_cadence(cadence)
