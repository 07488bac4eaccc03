from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tasks.clock import Clock, parse_moment, utc

MOMENT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DAKAR_PLUS_ONE = timezone(timedelta(hours=1))


def test_a_naive_moment_is_taken_as_utc() -> None:
    assert utc(datetime(2026, 12, 1, 12, 0)) == MOMENT
    assert utc(datetime(2026, 12, 1, 12, 0)).tzinfo is UTC


def test_an_aware_moment_is_the_same_instant_in_utc() -> None:
    moved = utc(datetime(2026, 12, 1, 13, 0, tzinfo=DAKAR_PLUS_ONE))
    assert moved == MOMENT and moved.utcoffset() == timedelta(0)
    assert moved.hour == 12


def test_a_fixed_clock_always_tells_its_moment() -> None:
    clock = Clock.at(MOMENT)
    assert clock.now() == MOMENT
    assert clock.now() == clock.now()
    assert clock.fixed == MOMENT


def test_a_clock_fixed_at_a_naive_or_foreign_moment_holds_it_in_utc() -> None:
    assert Clock.at(datetime(2026, 12, 1, 12, 0)).now().tzinfo is UTC
    assert Clock.at(datetime(2026, 12, 1, 13, 0, tzinfo=DAKAR_PLUS_ONE)).fixed == MOMENT
    assert Clock(datetime(2026, 12, 1, 12, 0)).fixed == MOMENT


def test_without_a_moment_the_clock_tells_the_real_time_in_utc() -> None:
    before = datetime.now(UTC)
    now = Clock.at(None).now()
    assert before <= now <= datetime.now(UTC)
    assert now.tzinfo is UTC
    assert Clock().fixed is None and Clock.at(None) == Clock()


def test_clocks_at_the_same_moment_are_equal_and_cannot_be_moved() -> None:
    assert Clock.at(MOMENT) == Clock.at(datetime(2026, 12, 1, 12, 0))
    with pytest.raises(AttributeError):
        Clock.at(MOMENT).fixed = None  # type: ignore[misc]


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-01T12:00:00",
        "2026-12-01T12:00:00Z",
        "2026-12-01T12:00:00+00:00",
        "2026-12-01 12:00",
    ],
)
def test_an_iso_moment_is_parsed_as_aware_utc(text: str) -> None:
    assert parse_moment(text) == MOMENT
    assert parse_moment(text).tzinfo is UTC


def test_an_offset_is_kept_as_the_same_instant() -> None:
    assert parse_moment("2026-12-01T13:00:00+01:00") == MOMENT


@pytest.mark.parametrize("text", ["yesterday", "", "2026-13-01", "12/01/2026"])
def test_what_is_not_iso_8601_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_moment(text)


def test_a_real_run_acts_for_now_or_any_earlier_moment() -> None:
    from tasks.clock import real_clock

    assert real_clock(None).fixed is None
    assert real_clock(MOMENT).now() == MOMENT
    assert real_clock(datetime(1999, 1, 1)).now() == datetime(1999, 1, 1, tzinfo=UTC)


def test_a_real_run_refuses_a_moment_to_come_beyond_a_minute_of_clock_skew() -> None:
    from tasks.clock import CLOCK_SKEW, FutureMoment, real_clock

    now = datetime.now(UTC)
    assert real_clock(now + CLOCK_SKEW / 2).now() == now + CLOCK_SKEW / 2
    for later in (now + CLOCK_SKEW + timedelta(seconds=5), now + timedelta(days=1), datetime.max):
        with pytest.raises(FutureMoment, match=r"is in the future .*a dry run may simulate"):
            real_clock(later)
    naive_tomorrow = (now + timedelta(days=1)).replace(tzinfo=None)
    with pytest.raises(FutureMoment):
        real_clock(naive_tomorrow)
    ahead_of_utc = timezone(timedelta(hours=14))
    assert real_clock(now.astimezone(ahead_of_utc)).now() == now
