"""Lanes: a batch split over several SMTP connections delivered side by side.

Each lane is one SMTP connection and one database connection, delivering its share of
the batch in order with at most one message on the wire: a killed worker leaves at most
one message in doubt per lane. PostgreSQL commits the lanes' hand-overs together (one
flush of its log for several commits), and one lane composes while another waits for
the database or the mail server. SQLite has one writer, and a Maildir is a folder, not
a connection: either takes one lane. When one lane must stop the batch (a server failing
again and again, a lost lease), the others stop after the message in hand.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

from db.models import Message
from tasks.privacy import redacted
from tasks.settings import Settings

if TYPE_CHECKING:
    from tasks.outbox.deliver import BatchOutcome

CONSECUTIVE_FAILURE_LIMIT = 10


def lane_count(engine: Engine, settings: Settings) -> int:
    """Return how many lanes a batch on `engine` is delivered in: the configured SMTP
    connections on PostgreSQL over SMTP; one on SQLite or into a Maildir."""
    if engine.dialect.name == "sqlite" or not settings.mail_url.startswith("smtp://"):
        return 1
    return settings.smtp_connections


def lane_connection(engine: Engine) -> Connection:
    """Return a new database connection for one lane: on PostgreSQL in autocommit, so that
    a hand-over and the answer before it are one statement that commits itself, one round
    trip (db/row_updates.py); on SQLite as any other."""
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        connection.execution_options(isolation_level="AUTOCOMMIT")
    return connection


def split_into_lanes(ids: Sequence[int], lanes: int) -> list[list[int]]:
    """Return `ids` dealt into at most `lanes` non-empty lanes, each in the batch's order
    (the first due go first in every lane); none when there are no ids."""
    count = max(1, min(lanes, len(ids)))
    return [list(ids[start::count]) for start in range(count)] if ids else []


@dataclass
class Tally:
    """Counts a lane's outcomes in order and says when it must stop: for a reason of its
    own (which stops the other lanes of the batch too, through `halt`) or theirs."""

    outcome: BatchOutcome
    deadline: float
    halt: threading.Event
    failures_in_a_row: int = 0

    def stops(self, result: str, message: Message) -> bool:
        """Count `result`, the outcome of `message`; return True (the reason in
        `outcome.stopped`, None when another lane stopped the batch) when no further
        message of the lane may be tried."""
        outcome = self.outcome
        outcome.by_outcome[result] += 1
        self.failures_in_a_row = self.failures_in_a_row + 1 if result == "retry" else 0
        if result == "lost":
            outcome.stopped = "the batch outlived its lease: another delivery holds its rows"
        elif self.failures_in_a_row >= CONSECUTIVE_FAILURE_LIMIT:
            last_error = redacted(message.last_error or "")
            outcome.stopped = f"{self.failures_in_a_row} temporary failures in a row: {last_error}"
        elif time.monotonic() > self.deadline:
            outcome.stopped = "the batch ran for half its lease; the rest waits for the next"
        if outcome.stopped is not None:
            self.halt.set()
        return self.halt.is_set()
