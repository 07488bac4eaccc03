"""The report stage: what a run sent, to which partners, what it skipped and why.

Reports name partners and count messages; they never carry e-mail addresses or tokens,
so they are safe to show in the Prefect UI.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy.orm import Session

from db.models import Campaign, MessageStatus
from db.reports import campaign_counts, campaign_partners, campaign_reasons
from tasks.artifacts import markdown_text
from tasks.privacy import reason_kind, redacted

MAX_PARTNER_LINES = 200


def campaign_summary(session: Session, campaign: Campaign) -> dict[str, Any]:
    """Return counts by kind and status, reasons, and per-partner counts for a campaign."""
    return {
        "campaign_id": campaign.id,
        "campaign": campaign.name,
        "counts": [
            {"kind": kind, "status": status, "messages": count}
            for kind, status, count in campaign_counts(session, campaign.id)
        ],
        "reasons": reasons(session, campaign.id),
        "partners": campaign_partners(session, campaign.id),
    }


def reasons(session: Session, campaign_id: int) -> list[dict[str, Any]]:
    """Return why the campaign's messages are where they are, counted: a skipped
    message's reason by its kind only (staff's words on a suppression may name the
    person), any other with addresses and tokens redacted."""
    counted: Counter[tuple[str, str]] = Counter()
    for status, reason, count in campaign_reasons(session, campaign_id):
        skipped = status == MessageStatus.SKIPPED
        counted[(status, reason_kind(reason or "") if skipped else redacted(reason or ""))] += count
    return [
        {"status": status, "reason": reason, "messages": count}
        for (status, reason), count in counted.items()
    ]


def summary_markdown(summary: dict[str, Any], delivery: dict[str, Any], dry_run: bool) -> str:
    """Return the run summary as Markdown for a Prefect artifact."""
    title = "Dry run: nothing was sent" if dry_run else "Run summary"
    md = markdown_text
    lines = [
        f"# {title}",
        "",
        f"Campaign **{md(summary['campaign'])}** (id {summary['campaign_id']})",
        "",
    ]
    if not summary["counts"]:
        lines.append("Nobody was due.")
    lines += [
        f"- {md(row['kind'])} **{md(row['status'])}**: {row['messages']}"
        for row in summary["counts"]
    ]
    if delivery:
        lines += ["", "## Delivery in this run", ""]
        lines += [f"- {md(key)}: {md(value)}" for key, value in delivery.items() if value]
    if summary["reasons"]:
        lines += ["", "## Why messages were skipped, deferred, held or failed", ""]
        lines += [
            f"- {md(row['status'])} ({row['messages']}): {md(row['reason'])}"
            for row in summary["reasons"]
        ]
    return "\n".join(lines + _partner_lines(summary["partners"])) + "\n"


def _partner_lines(by_partner: dict[str, dict[str, int]]) -> list[str]:
    """Return the Markdown table of messages per partner (the first 200 partners)."""
    partners = list(by_partner.items())
    if not partners:
        return []
    lines = ["", "## Partners", "", "| partner | messages |", "|---|---|"]
    for name, counts in partners[:MAX_PARTNER_LINES]:
        cells = ", ".join(f"{status} {count}" for status, count in sorted(counts.items()))
        lines.append(f"| {markdown_text(name)} | {markdown_text(cells)} |")
    if len(partners) > MAX_PARTNER_LINES:
        lines.append(f"| … and {len(partners) - MAX_PARTNER_LINES} more | |")
    return lines
