"""What a sync tells staff: one row per workspace in the `etools-sync` artifact, what
changed in each in `etools-sync-changes`, the same in the run's summary; and a run that
failed for any workspace fails, naming each and why, keeping what the others brought."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tasks.artifacts import markdown_text, publish_markdown, publish_table
from tasks.etools.changes import Changes, Outcome
from tasks.etools.files import EtoolsFileError
from tasks.privacy import redacted
from tasks.run_context import FailedWithSummary, only_in_a_run, run_logger

NOTHING_CHANGED = "nothing of it changed"
# Columns whose problems name no person: the message is shown; elsewhere (names, staff,
# titles) only where the problem is.
_SAFE_COLUMNS = frozenset(
    {"-", "Reference Number", "Vendor Number", "Status", "Document Type", "Start Date", "End Date"}
)


def problems_reason(error: EtoolsFileError, kinds: dict[str, str]) -> str:
    """Say what is wrong with a pair of exports in words Prefect may keep: how many
    problems, and where the first is (its message where it cannot name a person).
    `kinds` names each file (its path → "partner export", …)."""
    first = error.problems[0]
    where = f"line {first.line}" + (f", column {first.column!r}" if first.column != "-" else "")
    said = ""
    if first.column in _SAFE_COLUMNS or first.line <= 1:
        said = f": {redacted(first.message)}"
    if "workspace code" in first.message:
        said += " (give its country in CONTINUITY_ETOOLS_WORKSPACES as CODE=ISO3)"
    which = kinds.get(first.file, "export")
    return f"{error.total} problem(s) in eTools' exports; the first in the {which}, {where}{said}"


def report_sync(outcomes: list[Outcome], failure: str, dry_run: bool) -> dict[str, Any]:
    """Publish the sync's artifacts and return its summary; raise `FailedWithSummary`
    when a workspace was not synced or `failure` (a refused token, settings) stopped
    the sync."""
    for outcome in outcomes:
        _log(outcome)
    _publish(outcomes, failure)
    summary = _summary(outcomes, dry_run)
    failed = [failure] if failure else []
    failed += [
        f"{o.workspace} not synced: {o.reason}; {NOTHING_CHANGED}" for o in outcomes if not o.synced
    ]
    if failed:
        raise FailedWithSummary("eTools sync: " + " | ".join(failed), summary)
    return summary


def _log(outcome: Outcome) -> None:
    if outcome.synced:
        counts = outcome.changes.counts() if outcome.changes else {}
        shown = ", ".join(f"{name} {count}" for name, count in counts.items() if count)
        run_logger().info("%s synced: %s", outcome.workspace, shown or "no change")
    else:
        run_logger().error("%s not synced: %s", outcome.workspace, outcome.reason)


def _summary(outcomes: list[Outcome], dry_run: bool) -> dict[str, Any]:
    totals: Counter[str] = Counter()
    for outcome in outcomes:
        totals.update(outcome.changes.counts() if outcome.changes else {})
    synced = [o.workspace for o in outcomes if o.synced]
    skipped = [f"{o.workspace} ({o.reason})" for o in outcomes if not o.synced]
    summary: dict[str, Any] = {
        "synced": ", ".join(synced) or "none",
        "not synced": "; ".join(skipped) or "none",
        "changes": dict(totals),
    }
    notes = [f"{o.workspace}: {note}" for o in outcomes for note in o.notes]
    if notes:
        summary["notes"] = "; ".join(notes)
    if dry_run:
        summary["dry run"] = "nothing was written, no file was moved"
    return summary


@only_in_a_run
def _publish(outcomes: list[Outcome], failure: str) -> None:
    rows = [outcome.row() for outcome in outcomes]
    if failure:
        rows.insert(0, {"workspace": "all", "synced": "no", "why not": failure})
    publish_table("etools-sync", rows, "eTools sync: each workspace, synced or not and why")
    publish_markdown(
        "etools-sync-changes",
        "\n".join(_changes_markdown(outcomes)) or "Nothing changed.",
        "eTools sync: what changed in each workspace",
    )


def _changes_markdown(outcomes: list[Outcome]) -> list[str]:
    lines: list[str] = []
    for outcome in outcomes:
        if outcome.changes is None:
            continue
        lines.append(f"## {markdown_text(outcome.workspace)}")
        lines += _listed(outcome.changes) or ["No change."]
        lines.append("")
    return lines


def _listed(changes: Changes) -> list[str]:
    """Return the changes as Markdown list items, every value escaped."""
    items = [f"- new partner: {markdown_text(name)}" for name in changes.new_partners]
    items += [
        f"- new partnership {markdown_text(ref)} ({markdown_text(partner)})"
        for ref, partner in changes.new_partnerships
    ]
    items += [
        f"- {markdown_text(ref)}: status {markdown_text(old)} → {markdown_text(new)}"
        for ref, old, new in changes.statuses
    ]
    items += [
        f"- {markdown_text(ref)}: end date {markdown_text(old)} → {markdown_text(new)}"
        for ref, old, new in changes.end_dates
    ]
    items += [
        f"- {markdown_text(partner)}: contact(s) {_numbers(numbers)} {what}"
        for what, listed in (("added", changes.contacts_added), ("gone", changes.contacts_gone))
        for partner, numbers in listed
    ]
    items += [
        f"- {markdown_text(ref)}: no longer in eTools' export (kept as it was)"
        for ref in changes.not_listed
    ]
    return items


def _numbers(numbers: list[int]) -> str:
    return ", ".join(str(number) for number in numbers)
