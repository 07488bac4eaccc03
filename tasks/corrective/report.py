"""What the corrective-actions flow reports: every open plan's measures, the suspended
partnerships with no plan, and escalations that found no address. Names, no addresses."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session

from db.corrective import open_plans_of_ended, plans, suspended_without_plan, trail
from db.engine import transaction
from db.models import CorrectiveEvent, CorrectivePlan
from tasks.artifacts import publish_table
from tasks.clock import Clock
from tasks.corrective.followup import event_line, line_summary
from tasks.corrective.plans import close_ended
from tasks.outbox.stages import app_engine
from tasks.privacy import for_prefect, reason_kind, redacted
from tasks.run_context import only_in_a_run, run_logger

SECTIONS = ("corrective_measures", "suspended_without_plan", "escalations_without_address")


def measure_rows(plan: CorrectivePlan, today: date) -> list[dict[str, Any]]:
    return [
        {
            "partnership": plan.partnership.reference_number,
            "plan": plan.id,
            "measure": measure.id,
            "what": redacted(measure.description)[:200],
            "owner contact": measure.owner_id,
            "owner": measure.owner.name,
            "due": measure.due_on.isoformat(),
            "budget change": f"{measure.budget_change:.2f} {measure.currency}",
            "status": str(measure.status),
            "overdue": "yes" if measure.is_overdue(today) else "",
        }
        for measure in plan.measures
    ]


def overview(session: Session, today: date) -> dict[str, list[dict[str, Any]]]:
    """Return the open plans' measures, the suspended partnerships with no plan, and the
    escalations that reached no focal point."""
    open_plans = plans(session)
    unreachable = [
        {
            "partnership": plan.partnership.reference_number,
            "measure": event.measure_id,
            "no address for": ", ".join(event.details["no_address"]) or "no focal point in eTools",
        }
        for plan in open_plans
        for event in trail(session, plan.id)
        if event.action == "escalated"
        and (event.details.get("no_address") or not event.details.get("to"))
    ]
    return {
        "corrective_measures": [row for plan in open_plans for row in measure_rows(plan, today)],
        "suspended_without_plan": [
            {
                "partnership": p.reference_number,
                "partner": p.partner.name,
                "country": p.country or "?",
            }
            for p in suspended_without_plan(session)
        ],
        "escalations_without_address": unreachable,
    }


def plan_trail(session: Session, plan: CorrectivePlan) -> list[dict[str, Any]]:
    """Return the plan's audit trail as rows: when, who, what, the changes."""
    return [
        {
            "at": f"{line['at']:%Y-%m-%d %H:%M}",
            "measure": event.measure_id or "",
            "who": line["actor"],
            "what": line["action"],
            "changes": redacted(line_summary(line))[:500],
        }
        for event in trail(session, plan.id)
        for line in [event_line(event)]
    ]


# Who acts on a measure through the portal: a person, whom Prefect knows by number only.
PEOPLE_ROLES = frozenset({"partner", "focal point"})
# Fields whose values are a person's name or words: Prefect learns that they changed.
PERSONAL_FIELDS = frozenset({"comment", "owner"})


def published_trail(session: Session, plan: CorrectivePlan) -> list[dict[str, Any]]:
    """Return the plan's audit trail as Prefect may keep it: a partner or focal point who
    acted by role and contact number, a comment or an owner only as "changed", why a
    reminder was not sent by its kind. `plan_trail` is the terminal's, in full."""
    return [
        {
            "at": f"{line['at']:%Y-%m-%d %H:%M}",
            "measure": event.measure_id or "",
            "who": actor_of(event),
            "what": line["action"],
            "changes": redacted(line_summary(line))[:500],
        }
        for event in trail(session, plan.id)
        for line in [event_line(event, PERSONAL_FIELDS)]
        for line in [line | {"reason": reason_kind(line["reason"])}]
    ]


def actor_of(event: CorrectiveEvent) -> str:
    """Return who acted as Prefect may keep it: staff and the system as recorded; a
    person by role and contact number (by role alone in lines from before numbers were
    recorded)."""
    role, colon, _name = event.actor.partition(": ")
    if not colon or role not in PEOPLE_ROLES:
        return event.actor
    number = event.details.get("by_contact")
    return f"{role}: contact {number}" if number else role


@task(name="close-ended-plans", cache_policy=NO_CACHE, retries=2)
def close_ended_plans(clock: Clock) -> list[int]:
    """Close the open plans of partnerships that have ended since; return their ids."""
    with transaction(app_engine()) as session:
        closed = close_ended(session, open_plans_of_ended(session), clock.now())
    if closed:
        run_logger().info("closed corrective plans of ended partnerships: %s", closed)
    return closed


@task(name="corrective-overview", cache_policy=NO_CACHE)
def corrective_overview(clock: Clock) -> dict[str, list[dict[str, Any]]]:
    """Return the overview; in a flow run, publish it and each open plan's audit trail
    (`corrective-plan-<id>-trail`) as keyed table artifacts."""
    with transaction(app_engine()) as session:
        sections = overview(session, clock.now().date())
        trails = {plan.id: published_trail(session, plan) for plan in plans(session)}
    publish(sections, trails)
    return {name: for_prefect(rows) for name, rows in sections.items()}


@only_in_a_run
def publish(
    sections: dict[str, list[dict[str, Any]]], trails: dict[int, list[dict[str, Any]]]
) -> None:
    """Publish each section and each open plan's audit trail as a keyed table artifact."""
    for plan_id, rows in trails.items():
        publish_table(f"corrective-plan-{plan_id}-trail", rows, "audit trail")
    for name in SECTIONS:
        publish_table(name.replace("_", "-"), sections[name], name.replace("_", " "))
