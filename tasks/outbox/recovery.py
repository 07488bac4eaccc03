"""What happens to a batch whose delivery was interrupted.

The documented policy for a process that stopped (killed, crashed, machine lost): rows it
left in `sending` longer than the lease are resolved by `recover_interrupted`: never
handed over → planned again (nothing went out); handed over → `unconfirmed` (it may have
gone out), never resent without a human decision (`continuity outbox requeue`).

A process that lost its database connection (PostgreSQL restarted, connection killed,
SQLite locked past the busy timeout) still knows what it did: `save_progress` writes the
answers it holds on a new connection and puts the rows it never handed over back to
planned, at once rather than after the lease.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from db.engine import transaction
from db.models import MessageStatus
from db.outbox import RowWrites, interrupted, release_unstarted

LEASE = timedelta(minutes=15)
SAVE_WAITS = (0.5, 2, 8)
log = logging.getLogger(__name__)


def recover_interrupted(session: Session, now: datetime) -> Counter[str]:
    """Resolve rows left in `sending` longer than the lease; return counts by outcome."""
    outcomes: Counter[str] = Counter()
    for message in interrupted(session, now - LEASE):
        if message.handoff_at is None:
            message.status = MessageStatus.PLANNED
            message.attempts = max(0, message.attempts - 1)
            message.status_reason = "requeued: its delivery stopped before handing it over"
            outcomes["requeued"] += 1
        else:
            message.status = MessageStatus.UNCONFIRMED
            message.status_reason = (
                f"handed to the mail server at {message.handoff_at:%Y-%m-%d %H:%M} UTC by a"
                " delivery that stopped before recording the answer; not resent, to avoid"
                " a duplicate (requeue it with `continuity outbox requeue`)"
            )
            outcomes["unconfirmed"] += 1
    return outcomes


def save_progress(
    engine: Engine,
    writes: RowWrites,
    claimed: Sequence[int],
    claim: str,
    sleep: Callable[[float], None] = time.sleep,
) -> Counter[str]:
    """Write the answers `writes` holds and release the `claimed` rows never handed over
    (or whose hand-over failed to commit as far as this process knows: never submitted),
    retrying on a new connection while the database is unreachable or locked; return
    {"released": n}. Raises the last error when every attempt failed (the lease policy
    then resolves the rows)."""
    for wait in SAVE_WAITS:
        try:
            return _saved(engine, writes, claimed, claim)
        except OperationalError:
            sleep(wait)
    return _saved(engine, writes, claimed, claim)


def save_progress_or_log(
    engine: Engine, writes: RowWrites, claimed: Sequence[int], claim: str
) -> None:
    """Save progress after an unexpected error without hiding it: when saving fails too,
    log which answers were lost (row ids and outcomes, nothing personal)."""
    try:
        save_progress(engine, writes, claimed, claim, sleep=lambda _: None)
    except Exception as error:
        lost = {row["id"]: str(row["status"]) for row in writes.answers()}
        log.error(
            "could not save the outcomes of rows %s (%s); the lease policy resolves them",
            lost,
            error,
        )


def _saved(engine: Engine, writes: RowWrites, claimed: Sequence[int], claim: str) -> Counter[str]:
    with transaction(engine) as session:
        writes.save_answers(session)
        released = release_unstarted(session, claimed, claim, writes.never_submitted())
    writes.rows.clear()
    return Counter({"released": released} if released else {})
