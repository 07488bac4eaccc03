"""The collect stage: read the inbox, record each mail, then mark it seen."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from sqlalchemy import Engine

from continuity.database import engine_for
from continuity.settings import Settings, get_settings
from db.engine import for_writing, transaction
from tasks.inbound import record_inbound
from tasks.inbox import open_inbox
from tasks.pipeline import clock_for, logger

MAX_PER_RUN = 2000


def collect_mail(
    engine: Engine,
    settings: Settings,
    now: datetime,
    dry_run: bool = False,
    limit: int = MAX_PER_RUN,
) -> Counter[str]:
    """Record up to `limit` unread mails; return counts by classification.

    Each mail is committed before it is marked seen: a crash in between leaves it unread,
    and the next run finds its record (by Message-ID or mailbox key) instead of counting
    it again. A dry run classifies, rolls back and leaves every mail unread.
    """
    secret = settings.required_secret_key()
    counts: Counter[str] = Counter()
    with open_inbox(settings.inbox_url) as inbox:
        for number, item in enumerate(inbox.unread()):
            if number >= limit:
                counts["left for the next run"] += 1
                break
            with transaction(for_writing(engine)) as session:
                classification = record_inbound(session, secret, item, now).classification
                if dry_run:
                    session.rollback()
            if not dry_run:
                inbox.mark_done(item.key)
            counts[classification] += 1
    return counts


def collect_stage(as_of: datetime | None, dry_run: bool = False) -> dict[str, int]:
    settings = get_settings()
    engine = engine_for(settings.database_url)
    counts = collect_mail(engine, settings, clock_for(as_of)(), dry_run)
    logger().info("collected inbound mail: %s", dict(counts))
    publish_counts(counts)
    return dict(counts)


def publish_counts(counts: Counter[str]) -> None:
    rows = [{"classification": name, "mails": count} for name, count in sorted(counts.items())]
    create_table_artifact(
        key="collect-responses-counts",
        table=rows or [{"classification": "none", "mails": 0}],
        description="Inbound mail recorded in this run (replies, auto-replies, bounces…)",
    )
    lines = ["# Inbound mail", ""] + [f"- {row['classification']}: {row['mails']}" for row in rows]
    if counts.get("unmatched"):
        lines += ["", "Unmatched mail is kept for staff: `continuity inbox unmatched`."]
    create_markdown_artifact(key="collect-responses-summary", markdown="\n".join(lines) + "\n")


collect = task(name="collect-mail", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=30)(
    collect_stage
)
