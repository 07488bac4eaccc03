"""The one drain loop and its one stop rule, with batches that only say what they did."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from tasks.outbox.deliver import BatchOutcome
from tasks.outbox.drain import drain


def batches(*outcomes: BatchOutcome) -> Callable[[], BatchOutcome]:
    """Return a batch that gives `outcomes` in turn, and fails the test if called again."""
    left = list(outcomes)

    def batch() -> BatchOutcome:
        assert left, "drain asked for a batch after it should have stopped"
        return left.pop(0)

    return batch


def sent(count: int, stopped: str | None = None) -> BatchOutcome:
    return BatchOutcome(claimed=count, by_outcome=Counter(sent=count), stopped=stopped)


def test_it_drains_until_a_batch_claims_nothing() -> None:
    drained = drain(batches(sent(3), sent(2), BatchOutcome()))
    assert drained.counts == Counter(sent=5)
    assert drained.stopped is None
    assert drained.as_dict() == {"sent": 5}


def test_it_stops_after_a_batch_that_stopped_and_keeps_the_reason() -> None:
    failing = BatchOutcome(
        claimed=4, by_outcome=Counter(retry=3, released=1), stopped="3 temporary failures"
    )
    drained = drain(batches(sent(2), failing))
    assert drained.counts == Counter(sent=2, retry=3, released=1)
    assert drained.stopped == "3 temporary failures"
    assert drained.as_dict() == {
        "sent": 2,
        "retry": 3,
        "released": 1,
        "stopped": "3 temporary failures",
    }


def test_a_requested_shutdown_lets_the_batch_in_hand_finish_then_stops(monkeypatch) -> None:
    requested = iter([False, True])
    monkeypatch.setattr("tasks.outbox.drain.stop_requested", lambda: next(requested))
    drained = drain(batches(sent(2), sent(2)))
    assert drained.counts == Counter(sent=2)
    assert drained.stopped is None


def test_after_a_shutdown_request_no_batch_starts(monkeypatch) -> None:
    monkeypatch.setattr("tasks.outbox.drain.stop_requested", lambda: True)
    assert drain(batches()).as_dict() == {}


def test_progress_hears_the_running_counts_after_each_batch() -> None:
    heard: list[Counter[str]] = []
    drain(batches(sent(3), sent(1), BatchOutcome()), lambda counts: heard.append(Counter(counts)))
    assert heard == [Counter(sent=3), Counter(sent=4), Counter(sent=4)]


def test_an_error_in_a_batch_ends_the_drain_with_that_error() -> None:
    outcomes = iter([sent(2)])

    def batch() -> BatchOutcome:
        try:
            return next(outcomes)
        except StopIteration:
            raise RuntimeError("the database went away") from None

    with pytest.raises(RuntimeError, match="went away"):
        drain(batch)
