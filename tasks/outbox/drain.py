"""Draining the outbox: batch after batch until there is nothing more to send now.

The flows, `continuity outbox deliver`, the demo and the tests all drain through `drain`,
so they all stop for the same reasons.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tasks.outbox.deliver import BatchOutcome
from tasks.outbox.shutdown import stop_requested


@dataclass
class Drained:
    """What a drain did: messages by outcome, and why it stopped early (None when it
    stopped because nothing more was due, or for a requested shutdown)."""

    counts: Counter[str] = field(default_factory=Counter)
    stopped: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**self.counts, **({"stopped": self.stopped} if self.stopped else {})}


def drain(
    batch: Callable[[], BatchOutcome], progress: Callable[[Counter[str]], object] | None = None
) -> Drained:
    """Call `batch` (claim and deliver one batch) again and again; return the counts.

    One stop rule: a batch that claimed nothing, a batch that stopped (too many temporary
    failures in a row, a lost lease: its reason is kept), or a shutdown requested before
    the next batch (SIGTERM lets the batch in hand finish). `progress`, if given, gets
    the running counts after each batch.
    """
    drained = Drained()
    while not stop_requested():
        outcome = batch()
        drained.counts.update(outcome.by_outcome)
        if progress is not None:
            progress(drained.counts)
        if not outcome.claimed or outcome.stopped:
            drained.stopped = outcome.stopped
            break
    return drained
