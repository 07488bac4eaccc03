"""The follow-up plans an eTools import gives ended partnerships: one per touchpoint of
the policy, scheduled from the partnership's end in its partner's time zone."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from db.models import FollowUpPlan, Partnership, TouchpointKind
from db.partnerships import insert_plans, plans_by_partnership
from db.rows import assign_changed
from tasks.cadence import first_due_at, trigger_for
from tasks.follow_up_policy import FollowUpPolicy, Touchpoint, plan_window


def sync_plans(
    session: Session,
    partnerships: list[Partnership],
    time_zones: list[str],
    policy: FollowUpPolicy,
    schedules: dict[tuple[Any, ...], dict[str, Any]],
) -> tuple[list[FollowUpPlan], Counter[str]]:
    """Give every ended partnership one plan per touchpoint of the policy, in its
    partner's time zone; deactivate the plans of partnerships that are no longer ended.
    Return the stored plans it loaded (new ones are inserted in one statement and never
    enter the session) and the count of plans created, updated, unchanged, deactivated.
    `schedules` caches each (kind, end date, zone, policy) schedule across batches."""
    stored = plans_by_partnership(session, [p.id for p in partnerships])
    loaded: list[FollowUpPlan] = []
    created: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    for partnership, time_zone in zip(partnerships, time_zones, strict=True):
        plans: dict[TouchpointKind, FollowUpPlan] = stored.get(partnership.id, {})
        loaded += plans.values()
        if not partnership.has_ended:
            for plan in plans.values():
                if plan.active:
                    plan.active = False
                    counts["deactivated"] += 1
            continue
        assert partnership.end_date is not None, "checked when the export was read"
        for touchpoint in policy.touchpoints:
            key = (touchpoint.kind, partnership.end_date, time_zone, policy.version)
            if key not in schedules:
                schedules[key] = _schedule(touchpoint, partnership.end_date, time_zone, policy)
            existing = plans.get(touchpoint.kind)
            if existing is None:
                created.append({"partnership_id": partnership.id, **schedules[key]})
                counts["created"] += 1
            else:
                counts[_align(existing, schedules[key])] += 1
    insert_plans(session, created)
    if len(schedules) > 50_000:
        schedules.clear()  # bounded memory, whatever the spread of end dates
    return loaded, counts


def _schedule(
    touchpoint: Touchpoint, ended_on: date, time_zone: str, policy: FollowUpPolicy
) -> dict[str, Any]:
    """Return a plan's columns for `touchpoint` after a partnership ended on `ended_on`;
    the same for every partnership ending that day in that zone, so it is computed once."""
    window = plan_window(touchpoint, ended_on, time_zone)
    trigger = trigger_for(touchpoint.cadence, time_zone, window.starts_at, window.ends_at)
    return {
        "kind": touchpoint.kind,
        "cadence": touchpoint.cadence,
        "starts_at": window.starts_at,
        "ends_at": window.ends_at,
        "policy_version": policy.version,
        "active": True,
        "next_due_at": first_due_at(trigger, window.starts_at),
    }


def _align(plan: FollowUpPlan, schedule: dict[str, Any]) -> str:
    """Bring a stored plan in line with its schedule; return "updated" or "unchanged".
    Its next due date is only reset when the plan changed: it moves on as plans are run."""
    values = {name: value for name, value in schedule.items() if name != "next_due_at"}
    if not assign_changed(plan, values):
        return "unchanged"
    plan.next_due_at = schedule["next_due_at"]
    return "updated"
