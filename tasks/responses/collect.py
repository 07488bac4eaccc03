"""The collect stage: read the inbox, record each mail, then mark it seen.

No mail can stop a run: one whose recording fails for what it holds is quarantined (kept
byte for byte with the error) and marked seen like any other. Only the inbox or the
database failing stops the run, leaving the mail unread for the next one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from db.engine import engine_for, for_writing, transaction
from tasks.artifacts import markdown_text, publish_markdown, publish_table
from tasks.clock import Clock
from tasks.mail.inbox import InboxItem, open_inbox
from tasks.responses.inbound import quarantine, record_inbound
from tasks.run_context import only_in_a_run, run_logger
from tasks.settings import Settings, get_settings

MAX_PER_RUN = 2000
# This many bounces in one run that blame our sender (a blocklist, a relay refusing us, a
# filter calling us spam) point at us, not at partners' addresses: the run raises an alert.
SENDER_ALERT = 3


@dataclass
class Collected:
    """What one run recorded: mails by classification, and bounces about our sender by
    reason (sisimai's word)."""

    counts: Counter[str] = field(default_factory=Counter)
    sender_side: Counter[str] = field(default_factory=Counter)

    @property
    def alert(self) -> bool:
        return sum(self.sender_side.values()) >= SENDER_ALERT


def collect_mail(
    engine: Engine,
    settings: Settings,
    now: datetime,
    dry_run: bool = False,
    limit: int = MAX_PER_RUN,
) -> Collected:
    """Record up to `limit` unread mails; return what was recorded.

    Each mail is committed before it is marked seen: a crash in between leaves it unread,
    and the next run finds its record (by Message-ID or mailbox key) instead of counting
    it again. A dry run classifies, rolls back and leaves every mail unread.
    """
    secret = settings.required_secret_key()
    collected = Collected()
    with open_inbox(settings.inbox_url) as inbox:
        for number, item in enumerate(inbox.unread()):
            if number >= limit:
                collected.counts["left for the next run"] += 1
                break
            classification, sender_side = _record(engine, secret, item, now, dry_run)
            if not dry_run:
                inbox.mark_done(item.key)
            collected.counts[classification] += 1
            if sender_side:
                collected.sender_side[sender_side] += 1
    return collected


def _record(
    engine: Engine, secret: str, item: InboxItem, now: datetime, dry_run: bool
) -> tuple[str, str]:
    """Record one mail in its own transaction; return its classification and the reason of
    a bounce that blames our sender ("" otherwise)."""
    try:
        with transaction(for_writing(engine)) as session:
            inbound = record_inbound(session, secret, item, now)
            found = inbound.classification, str(inbound.details.get("sender_side") or "")
            if dry_run:
                session.rollback()
            return found
    except DBAPIError as error:
        if error.connection_invalidated or _is_transient(error):
            raise
        failure: Exception = error
    except Exception as error:  # a mail that breaks its own recording must not stop the run
        failure = error
    with transaction(for_writing(engine)) as session:
        inbound = quarantine(session, item, now, failure)
        if dry_run:
            session.rollback()
        return inbound.classification, ""


def _is_transient(error: DBAPIError) -> bool:
    """True for a database that is down, locked or busy: the mail is left for the next run,
    not quarantined for what is not its fault."""
    return isinstance(error, OperationalError | InterfaceError)


@task(name="collect-mail", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=30)
def collect(clock: Clock, dry_run: bool = False) -> dict[str, int]:
    """Record the unread mail on the configured database and inbox; return the mails by
    classification (in a flow run, also as artifacts)."""
    settings = get_settings()
    engine = engine_for(settings.database_url)
    collected = collect_mail(engine, settings, clock.now(), dry_run)
    run_logger().info("collected inbound mail: %s", dict(collected.counts))
    if collected.alert:
        run_logger().warning("bounces blaming our sender: %s", dict(collected.sender_side))
    publish(collected)
    return dict(collected.counts)


@only_in_a_run
def publish(collected: Collected) -> None:
    """Publish the run's counts, and the sender alert when there is one."""
    counts = collected.counts
    rows = [{"classification": name, "mails": count} for name, count in sorted(counts.items())]
    publish_table(
        "collect-responses-counts",
        rows,
        "Inbound mail recorded in this run (replies, auto-replies, bounces…)",
        empty={"classification": "none", "mails": 0},
    )
    lines = ["# Inbound mail", ""] + [
        f"- {markdown_text(row['classification'])}: {row['mails']}" for row in rows
    ]
    if collected.alert:
        lines += ["", *sender_alert(collected.sender_side)]
    if counts.get("unmatched") or counts.get("quarantined"):
        lines += [
            "",
            "Unmatched and quarantined mail waits for staff: `continuity inbox unmatched`.",
        ]
    publish_markdown("collect-responses-summary", "\n".join(lines) + "\n")


def sender_alert(sender_side: Counter[str]) -> list[str]:
    """Return the alert's Markdown lines for bounces that blame our sender."""
    reasons = ", ".join(
        f"{markdown_text(reason)}: {count}" for reason, count in sender_side.most_common()
    )
    return [
        f"## Alert: {sum(sender_side.values())} bounces blame our sender ({reasons})",
        "",
        "Receiving servers refused our mail for who sends it or what it says, not for the"
        " partners' addresses: check the sending domain's blocklist status, SPF, DKIM and"
        " DMARC, and the relay. No partner was suppressed for these bounces.",
    ]
