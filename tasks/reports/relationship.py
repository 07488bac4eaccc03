"""The relationship report: what partners said and what waits for an answer, who has gone
quiet, who answers, which results are at risk, what is coming up, which addresses bounce.
Names partners, never addresses; partners' words only in the terminal."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session

from db.acknowledgements import acknowledgements
from db.corrective import plans
from db.engine import transaction
from db.influence import active_entries, ended_without_supporters, reference_numbers
from db.models import InfluenceEntry, Partner, Partnership, Response
from db.relationship import (
    bounces_since,
    current_checkin_answers,
    follow_ups_between,
    last_contact_by_partner,
    response_rates,
    suppressed_contacts,
)
from tasks.acknowledgements.changes import state
from tasks.artifacts import publish_markdown, publish_table
from tasks.clock import Clock
from tasks.corrective.report import measure_rows
from tasks.outbox.stages import app_engine
from tasks.privacy import for_prefect, reason_kind, redacted
from tasks.reports.partner_messages import (
    said_since,
    unreached,
    waiting_too_long,
)
from tasks.run_context import only_in_a_run, run_logger
from tasks.settings import Settings, get_settings
from tasks.touchpoints.capacity_alert import concerns
from tasks.touchpoints.evaluation_followup import contributor_record
from tasks.touchpoints.registry import asking_kinds

QUIET_MONTHS = 6
# The report runs weekly: by default what partners said is what they said since the last.
SAID_DAYS = 7
ANSWER_WITHIN_DAYS = Settings.model_fields["answer_within_days"].default
SECTIONS = (
    "partners_said",
    "waiting_for_answer",
    "no_focal_point",
    "not_heard_from",
    "response_rates",
    "at_risk",
    "supporters",
    "no_supporters",
    "corrective_measures",
    "evaluation_contributors",
    "acknowledgements",
    "follow_ups",
    "bounces",
)


def quiet_partners(session: Session, now: datetime, months: int) -> list[dict[str, Any]]:
    """Return partners not reached, or not heard from, in `months` months."""
    horizon = now - relativedelta(months=months)
    rows = []
    for row in last_contact_by_partner(session):
        not_reached = row["last_sent"] is None or row["last_sent"] < horizon
        not_heard = row["last_heard"] is None or row["last_heard"] < horizon
        if not_reached or not_heard:
            rows.append(
                {
                    "partner": row["name"],
                    "country": row["country"] or "?",
                    "last_sent": _day(row["last_sent"]),
                    "last_heard": _day(row["last_heard"]),
                    "gap": "not reached" if not_reached else "not heard from",
                }
            )
    return rows


@dataclass(frozen=True)
class Risk:
    """A check-in answer that puts its partnership at risk, and why."""

    partner: Partner
    partnership: Partnership
    response: Response
    why: str


def risks(session: Session, now: datetime) -> list[Risk]:
    """Return the check-in answers saying results are not sustained, or local capacity is
    insufficient or declining (tasks/capacity.py), with why, the latest day first."""
    found: dict[int, Risk] = {}
    for response, partnership, partner in current_checkin_answers(
        session, now - timedelta(days=730)
    ):
        if response.answers.get("sustained") == "no":
            found[response.id] = Risk(partner, partnership, response, "results not sustained")
    for concern in concerns(session, now):
        latest = concern.causes[0]
        risk = found.get(latest.id, Risk(concern.partner, concern.partnership, latest, ""))
        why = ", ".join(reason for reason in (risk.why, *concern.reasons) if reason)
        found[latest.id] = replace(risk, why=why)
    return sorted(found.values(), key=lambda risk: _day(risk.response.received_at), reverse=True)


def at_risk(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Return the at-risk list (`risks`) as the report shows it."""
    return [
        risk_row(risk.partner, risk.partnership, risk.response, risk.why)
        for risk in risks(session, now)
    ]


def risk_row(
    partner: Partner, partnership: Partnership, response: Response, why: str
) -> dict[str, Any]:
    return {
        "partner": partner.name,
        "partnership": partnership.reference_number,
        "answered": _day(response.received_at),
        "why": why,
        "support needed": redacted(str(response.answers.get("support_needed", "")))[:200],
    }


def supporters(session: Session) -> list[dict[str, Any]]:
    """Return, per partnership, who is registered to support its impact."""
    by_partnership: dict[int, list[InfluenceEntry]] = {}
    for entry in active_entries(session):
        by_partnership.setdefault(entry.partnership_id, []).append(entry)
    references = reference_numbers(session)
    return [
        {
            "partnership": references[partnership_id],
            # Partners type these names: one may be an address, which no report shows.
            "supporters": redacted(
                "; ".join(
                    f"{entry.name} ({entry.kind}{', ' + entry.role if entry.role else ''})"
                    for entry in entries
                )
            )[:500],
            "count": len(entries),
        }
        for partnership_id, entries in sorted(
            by_partnership.items(), key=lambda item: references[item[0]]
        )
    ]


def no_supporters(session: Session) -> list[dict[str, Any]]:
    """Return the ended partnerships no one is registered to support."""
    return [
        {
            "partnership": partnership.reference_number,
            "partner": partnership.partner.name,
            "country": partnership.country or "?",
            "status": partnership.status,
        }
        for partnership in ended_without_supporters(session)
    ]


def report(
    session: Session,
    now: datetime,
    months: int = QUIET_MONTHS,
    since: datetime | None = None,
    answer_within: int = ANSWER_WITHIN_DAYS,
) -> dict[str, list[dict[str, Any]]]:
    """Return every section of the report at `now`: what partners said since `since`
    (default: a week before), the messages waiting more than `answer_within` working
    days for a person, partners not heard from in `months` months, and the rest."""
    return {
        "partners_said": said_since(session, since or now - timedelta(days=SAID_DAYS)),
        "waiting_for_answer": waiting_too_long(session, now, answer_within),
        "no_focal_point": unreached(session, now),
        "not_heard_from": quiet_partners(session, now, months),
        "response_rates": [
            {"by": dimension, **row}
            for dimension in ("kind", "country", "language")
            for row in response_rates(session, dimension, asking_kinds())
        ],
        "at_risk": at_risk(session, now),
        "supporters": supporters(session),
        "no_supporters": no_supporters(session),
        "corrective_measures": [
            row for plan in plans(session) for row in measure_rows(plan, now.date())
        ],
        "evaluation_contributors": contributor_record(session, now),
        "acknowledgements": [
            {key: value for key, value in state(item).items() if key != "proposed_changes"}
            for item in acknowledgements(session)
        ],
        "follow_ups": follow_ups(session, now),
        "bounces": bounces(session, now),
    }


def follow_ups(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Return the follow-ups overdue at `now`, then those due in the next 30 days."""
    upcoming = follow_ups_between(session, now, now + timedelta(days=30))
    overdue = follow_ups_between(session, now - timedelta(days=3650), now - timedelta(days=1))
    return [_follow_up(row, "overdue") for row in overdue] + [
        _follow_up(row, "upcoming") for row in upcoming
    ]


def bounces(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Return the partners whose mail bounced in the last 30 days, then the suppressed
    contacts: number, the kind of suppression, and for the terminal only (`for_prefect`
    drops them) their name and the reason as given (an address redacted)."""
    bounced = [
        {
            "partner": row["partner"],
            "contact": "",
            "name": "",
            "what": f"{row['bounced']} bounced in 30 days",
            "suppressed because": "",
        }
        for row in bounces_since(session, now - timedelta(days=30))
    ]
    return bounced + [
        {
            "partner": row["partner"],
            "contact": row["contact_id"],
            "name": row["contact"],
            "what": reason_kind(f"suppressed: {row['suppression_reason'] or ''}"),
            "suppressed because": redacted(row["suppression_reason"] or ""),
        }
        for row in suppressed_contacts(session)
    ]


def _follow_up(row: dict[str, Any], state: str) -> dict[str, Any]:
    return {
        "state": state,
        "partner": row["name"],
        "partnership": row["reference_number"],
        "kind": str(row["kind"]),
        "due": _day(row["next_due_at"]),
    }


def _day(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d}" if moment else "never"


@task(name="relationship-report", cache_policy=NO_CACHE)
def build_report(clock: Clock, months: int = QUIET_MONTHS) -> dict[str, Any]:
    """Return the report's sections as Prefect may keep them (no partner's words or
    names: a flow's result is stored); in a flow run, publish them as keyed artifacts."""
    within = get_settings().answer_within_days
    with transaction(app_engine()) as session:
        sections = report(session, clock.now(), months, answer_within=within)
    kept = {name: for_prefect(rows) for name, rows in sections.items()}
    publish(kept)
    run_logger().info("relationship report: %s", {name: len(rows) for name, rows in kept.items()})
    return kept


@only_in_a_run
def publish(sections: dict[str, list[dict[str, Any]]]) -> None:
    """Publish each section as a keyed table artifact (versioned on the Artifacts page)."""
    for name in SECTIONS:
        publish_table(f"relationship-{name.replace('_', '-')}", sections[name], name)
    summary = ["# Relationship report", ""] + [
        f"- {name.replace('_', ' ')}: {len(sections[name])}" for name in SECTIONS
    ]
    publish_markdown("relationship-report", "\n".join(summary) + "\n")
