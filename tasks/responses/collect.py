"""The collect stage: read the inbox, record each mail and mark it recorded, in one
transaction; optionally file what was handled into subfolders.

The inbox is the one people read: a mail is collected once whatever its flags, and no flag
people read by is changed. No mail can stop a run: one whose recording fails for what it
holds is quarantined (kept byte for byte with the error) and marked like any other. Only
the inbox or the database failing stops the run, leaving the mail for the next one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from db.engine import engine_for, for_writing, transaction
from db.inbox_marks import highest_uid, mark_recorded, recorded_keys
from db.models import InboundMail
from tasks.artifacts import markdown_text, publish_markdown, publish_table
from tasks.clock import Clock
from tasks.mail.inbox import Inbox, InboxError, InboxItem, folder_path, open_inbox
from tasks.responses.inbound import quarantine, record_inbound
from tasks.run_context import only_in_a_run, run_logger
from tasks.settings import Settings, get_settings

MAX_PER_RUN = 2000
# This many bounces in one run that blame our sender (a blocklist, a relay refusing us, a
# filter calling us spam) point at us, not at partners' addresses: the run raises an alert.
SENDER_ALERT = 3
# Where handled mail is filed, under CONTINUITY_INBOX_FILE_INTO, by classification.
SHELVES = {
    "reply": "Answers",
    "unsubscribe": "Answers",
    "auto_reply": "Auto-replies",
    "bounce": "Bounces",
    "complaint": "Bounces",
    "delivery_report": "Bounces",
}


@dataclass
class Collected:
    """What one run recorded: mails by classification, bounces about our sender by reason
    (sisimai's word), and why filing failed (the last error) when it did."""

    counts: Counter[str] = field(default_factory=Counter)
    sender_side: Counter[str] = field(default_factory=Counter)
    filing_error: str = ""

    @property
    def alert(self) -> bool:
        return sum(self.sender_side.values()) >= SENDER_ALERT


@dataclass(frozen=True)
class Marks:
    """The collector's marks on one mailbox, as the inbox asks for them (`Recorded`)."""

    engine: Engine
    mailbox: str

    def among(self, names: Sequence[str]) -> set[str]:
        with transaction(self.engine) as session:
            return recorded_keys(session, self.mailbox, names)

    def highest_uid(self) -> int:
        with transaction(self.engine) as session:
            return highest_uid(session, self.mailbox)


@dataclass(frozen=True)
class Recording:
    """How one mail was recorded: its classification, the reason of a bounce that blames
    our sender ("" otherwise), and the subfolder it may be filed into (None: it waits for
    staff in the inbox)."""

    classification: str
    sender_side: str = ""
    shelf: str | None = None


def collect_mail(
    engine: Engine,
    settings: Settings,
    now: datetime,
    dry_run: bool = False,
    limit: int = MAX_PER_RUN,
) -> Collected:
    """Record up to `limit` mails not recorded yet; return what was recorded.

    Each mail's record and its mark are one transaction: a crash before it leaves the mail
    for the next run, a crash after it leaves nothing to redo (the inbox's own mark, an
    IMAP keyword, is stored next run without reading the mail again). A dry run
    classifies, rolls back, and marks and files nothing.
    """
    secret = settings.required_secret_key()
    filing = folder_path(settings.inbox_file_into) if settings.inbox_file_into else ()
    collected = Collected()
    with open_inbox(settings.inbox_url) as inbox:
        for number, item in enumerate(inbox.new_mail(Marks(engine, inbox.mailbox))):
            if number >= limit:
                collected.counts["left for the next run"] += 1
                break
            recording = _record(engine, secret, inbox.mailbox, item, now, dry_run)
            if not dry_run:
                inbox.mark_collected(item)
                if filing and recording.shelf:
                    _file(inbox, item, (*filing, recording.shelf), collected)
            collected.counts[recording.classification] += 1
            if recording.sender_side:
                collected.sender_side[recording.sender_side] += 1
    return collected


def _file(inbox: Inbox, item: InboxItem, folder: tuple[str, ...], collected: Collected) -> None:
    """File the mail; a mail that cannot be filed stays in the inbox, recorded, and the
    run goes on."""
    try:
        inbox.file(item, folder)
    except InboxError as error:
        collected.counts["left in the inbox (not filed)"] += 1
        collected.filing_error = str(error)


def _record(
    engine: Engine, secret: str, mailbox: str, item: InboxItem, now: datetime, dry_run: bool
) -> Recording:
    """Record one mail and its mark in one transaction; return how it was recorded."""
    try:
        return _marked(engine, mailbox, item, now, dry_run, partial(record_inbound, secret=secret))
    except DBAPIError as error:
        if error.connection_invalidated or _is_transient(error):
            raise
        failure: Exception = error
    except Exception as error:  # a mail that breaks its own recording must not stop the run
        failure = error
    return _marked(engine, mailbox, item, now, dry_run, partial(quarantine, error=failure))


def _marked(
    engine: Engine,
    mailbox: str,
    item: InboxItem,
    now: datetime,
    dry_run: bool,
    record: Callable[..., InboundMail],
) -> Recording:
    """Record the mail with `record` and mark it, in one transaction; return how it was
    recorded. A run overlapping this one may have recorded the same mail since this one
    looked: its unique key (the mail's, or the mark's) is taken, and a fresh transaction
    finds that record and returns how it was recorded, once."""
    retried = False
    while True:
        try:
            with transaction(for_writing(engine)) as session:
                inbound = record(session, item=item, now=now)
                mark_recorded(session, mailbox, item.name, item.uid, now)
                found = _recording(inbound)
                if dry_run:
                    session.rollback()
                return found
        except IntegrityError:
            if retried:
                raise
            retried = True


def _recording(inbound: InboundMail) -> Recording:
    """Unmatched and quarantined mail, and bounces or complaints that proved nothing, wait
    for staff where people read: only the rest is filed."""
    shelf = SHELVES.get(inbound.classification)
    if not inbound.details.get("applied", True):
        shelf = None
    return Recording(inbound.classification, str(inbound.details.get("sender_side") or ""), shelf)


def _is_transient(error: DBAPIError) -> bool:
    """True for a database that is down, locked or busy: the mail is left for the next run,
    not quarantined for what is not its fault."""
    return isinstance(error, OperationalError | InterfaceError)


@task(name="collect-mail", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=30)
def collect(clock: Clock, dry_run: bool = False) -> dict[str, int]:
    """Record the new mail on the configured database and inbox; return the mails by
    classification (in a flow run, also as artifacts)."""
    settings = get_settings()
    engine = engine_for(settings.database_url)
    collected = collect_mail(engine, settings, clock.now(), dry_run)
    run_logger().info("collected inbound mail: %s", dict(collected.counts))
    if collected.alert:
        run_logger().warning("bounces blaming our sender: %s", dict(collected.sender_side))
    if collected.filing_error:
        run_logger().warning("handled mail left in the inbox: %s", collected.filing_error)
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
