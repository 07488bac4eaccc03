"""Retention: after CONTINUITY_RETAIN_INBOUND_DAYS, inbound mail that carried no answer
loses who sent it and what it said (`InboundMail.clear`: that it arrived, when, and what
it did stay), and messages lose what mail servers said about them (the reply to a sent
message, the last error; a failure's reason keeps its step, codes and category).

Answers, and the e-mail replies that carried them, are what the system is for: they stay
until their person is erased. On SQLite the database files keep nothing of what was
cleared (secure delete, then the write-ahead log checkpointed and truncated).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.engine import (
    OLD_PAGES_KEPT,
    OldPagesKeptError,
    engine_for,
    for_writing,
    purge_old_pages,
    transaction,
)
from db.models import InboundMail, Message
from db.retention import (
    count_messages_with_server_words,
    count_unanswered_inbound,
    messages_with_server_words,
    unanswered_inbound,
)
from tasks.artifacts import publish_table
from tasks.clock import Clock
from tasks.mail.bounces.reasons import Facts, reason_of
from tasks.run_context import only_in_a_run, run_logger
from tasks.settings import get_settings

# Rows per transaction: short enough that deliveries and collection writing to SQLite at
# the same time wait a moment at most.
BATCH = 500
# How far into a failure's reason the unconfirmed outcome quotes the error
# (tasks/outbox/outcomes.py `unconfirm`).
QUOTED = 1500
# A mail server's reply inside one of our error texts: the step, its code, the enhanced
# status code, then the server's own words (which may name the recipient).
_SERVER_REPLY = re.compile(
    r"(?:^|(?<=: ))(?P<code>[2-5]\d\d)(?:[ -](?P<status>[2-5]\.\d{1,3}\.\d{1,3}))?(?=[ -]|$)"
    r"(?P<words>.*)",
    re.DOTALL,
)


class _HasId(Protocol):
    id: int


Row = TypeVar("Row", bound=_HasId)


@dataclass
class Cleared:
    """What a pass cleared (or, in a dry run, would clear): inbound mail by
    classification and messages, all older than `before`; `old_pages_kept` when SQLite's
    write-ahead log still holds what was cleared (another process was reading)."""

    before: datetime
    inbound: Counter[str] = field(default_factory=Counter)
    messages: int = 0
    old_pages_kept: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Counts only: nothing here names a person or quotes them."""
        return {
            "before": self.before.isoformat(),
            "inbound_mail": dict(sorted(self.inbound.items())),
            "messages": self.messages,
            "old_pages_kept": self.old_pages_kept,
        }


def clear_expired(
    engine: Engine, now: datetime, days: int, dry_run: bool = False, batch: int = BATCH
) -> Cleared:
    """Clear what has been held longer than `days` at `now`; return what was cleared. A
    dry run counts what would be, changing nothing. Running it again clears nothing more."""
    cleared = Cleared(before=now - timedelta(days=days))
    if dry_run:
        with transaction(engine) as session:
            cleared.inbound.update(count_unanswered_inbound(session, cleared.before))
            cleared.messages = count_messages_with_server_words(session, cleared.before)
        return cleared

    def fetch_mail(session: Session, after_id: int) -> list[InboundMail]:
        return unanswered_inbound(session, cleared.before, after_id, batch)

    def fetch_messages(session: Session, after_id: int) -> list[Message]:
        return messages_with_server_words(session, cleared.before, after_id, batch)

    cleared.inbound = in_batches(engine, fetch_mail, lambda mail: _cleared(mail, now))
    cleared.messages = in_batches(engine, fetch_messages, forget_server_words).total()
    if cleared.inbound or cleared.messages:
        try:
            purge_old_pages(engine)
        except OldPagesKeptError:
            cleared.old_pages_kept = True
    return cleared


def in_batches(
    engine: Engine,
    fetch: Callable[[Session, int], Sequence[Row]],
    apply: Callable[[Row], str | None],
) -> Counter[str]:
    """Apply `apply` to every row `fetch` hands out (rows after a given id, by id), one
    transaction per batch; return the labels `apply` gave, counted (None: not counted).
    The last batch is the one that comes back empty."""
    counts: Counter[str] = Counter()
    after_id = 0
    while True:
        with transaction(for_writing(engine)) as session:
            rows = fetch(session, after_id)
            counts.update(label for row in rows if (label := apply(row)) is not None)
        if not rows:
            return counts
        after_id = rows[-1].id


def _cleared(mail: InboundMail, now: datetime) -> str | None:
    return mail.classification if mail.clear(now) else None


def forget_server_words(message: Message) -> str:
    """Clear the server's reply and the last error of `message`; where its status reason
    quotes that error, keep only the error's `summary`. Return "message"."""
    error, reason = message.last_error or "", message.status_reason
    if error and reason:
        for quoted in (error, error[:QUOTED]):
            if reason.startswith(quoted):
                message.status_reason = summary(error) + reason[len(quoted) :]
                break
    message.server_reply, message.last_error = None, None
    return "message"


def summary(error: str) -> str:
    """Return what an error text says without the server's own words: up to the SMTP
    reply code and enhanced status code, with the reason they stand for ("RCPT TO: 550
    5.1.1 (userunknown)"); for an error that quotes no server, our own words before its
    details ("connection lost"). Neither the recipient nor anything else a server wrote
    is kept."""
    found = _SERVER_REPLY.search(error)
    if found is None:
        return error.split(": ", 1)[0][:200]
    head = error[: found.start()]
    code, status = found["code"], found["status"] or ""
    # The SMTP command the server answered: "RCPT" of "gave up after 8 attempts: RCPT TO: ".
    command = head.removesuffix(": ").rsplit(": ", 1)[-1].split(" ")[0]
    facts = Facts(
        status=status, diagnostic=found["words"], command=command, replycode=code, spec="SMTP"
    )
    shown = " ".join(part for part in (code, status) if part)
    return f"{head[:200]}{shown} ({reason_of(facts)})"


@task(name="clear-expired", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=30)
def clear_held_too_long(clock: Clock, dry_run: bool = False) -> dict[str, Any]:
    """Clear, on the configured database, what has been held longer than
    CONTINUITY_RETAIN_INBOUND_DAYS; return the counts (in a flow run, also as an
    artifact). A retry after a failure clears what the failed try left."""
    settings = get_settings()
    engine = engine_for(settings.database_url)
    cleared = clear_expired(engine, clock.now(), settings.retain_inbound_days, dry_run)
    found = cleared.as_dict()
    run_logger().info("%s: %s", "would clear" if dry_run else "cleared", found)
    if cleared.old_pages_kept:
        run_logger().warning("cleared, but %s", OLD_PAGES_KEPT)
    publish(found, dry_run)
    return found


@only_in_a_run
def publish(found: dict[str, Any], dry_run: bool) -> None:
    """Publish the pass's counts as the `data-retention` table."""
    verb = "would be cleared (dry run)" if dry_run else "cleared"
    rows = [
        {"what": f"inbound mail: {classification}", "records": count}
        for classification, count in found["inbound_mail"].items()
    ]
    rows.append({"what": "messages: server replies and errors", "records": found["messages"]})
    kept = f"; {OLD_PAGES_KEPT}" if found["old_pages_kept"] else ""
    publish_table("data-retention", rows, f"Held since before {found['before']}, {verb}{kept}")
