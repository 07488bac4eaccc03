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


def nothing_planned(name: str) -> dict[str, Any]:
    """Return the summary of a run that planned nothing: no campaign, no message."""
    return {"campaign_id": None, "campaign": name, "counts": [], "reasons": [], "partners": {}}


def handled_any(delivery: dict[str, Any]) -> bool:
    """True when a drain's counts show some message dealt with."""
    return any(isinstance(count, int) and count > 0 for count in delivery.values())


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


def summary_markdown(
    summary: dict[str, Any],
    delivery: dict[str, Any],
    dry_run: bool,
    samples: list[str] | None = None,
) -> str:
    """Return the run summary as Markdown for a Prefect artifact, with the Markdown lines
    of a preview's `samples` after the counts. A summary without a campaign id is a
    preview's (rolled back) or a run's that planned nothing new."""
    title = "Dry run: nothing was sent" if dry_run else "Run summary"
    md = markdown_text
    number = f" (id {summary['campaign_id']})" if summary["campaign_id"] else ""
    lines = [f"# {title}", "", f"Campaign **{md(summary['campaign'])}**{number}", ""]
    if not summary["counts"]:
        lines.append("Nobody was due." if dry_run else "Nothing new was planned.")
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
    lines += samples or []
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
