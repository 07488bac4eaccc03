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
from tasks.cadence import EVENT_DRIVEN, due_from, first_due_at, trigger_for
from tasks.follow_up_policy import FollowUpPolicy, Touchpoint, plan_window

# A plan's schedule, as the policy and the partnership's end date set it.
_WINDOW = ("kind", "cadence", "starts_at", "ends_at", "policy_version")


def sync_plans(
    session: Session,
    partnerships: list[Partnership],
    time_zones: list[str],
    policy: FollowUpPolicy,
    schedules: dict[tuple[Any, ...], dict[str, Any]],
    scheduled_in: list[str] | None = None,
) -> tuple[list[FollowUpPlan], Counter[str]]:
    """Give every ended partnership one plan per touchpoint of the policy, in its
    partner's time zone; deactivate the plans of partnerships that are no longer ended.
    Return the stored plans it loaded (new ones are inserted in one statement and never
    enter the session) and the count of plans created, updated, unchanged, deactivated.
    `schedules` caches each (kind, end date, zone, policy) schedule across batches;
    `scheduled_in` gives the zone each partnership's plans were scheduled in, when not
    `time_zones`' (its partner's time zone just changed)."""
    stored = plans_by_partnership(session, [p.id for p in partnerships])
    loaded: list[FollowUpPlan] = []
    created: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    earlier = scheduled_in or time_zones
    for partnership, time_zone, before in zip(partnerships, time_zones, earlier, strict=True):
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
                counts[_align(existing, schedules[key], before, time_zone)] += 1
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


def _align(plan: FollowUpPlan, schedule: dict[str, Any], scheduled_in: str, time_zone: str) -> str:
    """Bring a stored plan in line with its schedule; return "updated" or "unchanged".

    A plan not yet sent starts on its new schedule (a moved end date moves it). One
    already sent goes on from where it was, on the new schedule: never back to an
    occurrence it passed, so nothing is sent twice. A plan that ran its course stays
    finished; one paused while its partnership was reopened resumes where it stopped.
    """
    window = {name: value for name, value in schedule.items() if name in _WINDOW}
    if all(getattr(plan, name) == value for name, value in window.items()):
        finished = plan.next_due_at is None and plan.cadence != EVENT_DRIVEN
        if plan.active or finished:
            return "unchanged"
        plan.active = True
        return "updated"
    before = trigger_for(plan.cadence, scheduled_in, plan.starts_at, plan.ends_at)
    sent = before is not None and plan.next_due_at != first_due_at(before, plan.starts_at)
    resume_at = plan.next_due_at or plan.ends_at
    assign_changed(plan, window)
    after = trigger_for(plan.cadence, time_zone, plan.starts_at, plan.ends_at)
    if sent and resume_at is not None:
        plan.next_due_at = due_from(after, resume_at)
    else:
        plan.next_due_at = schedule["next_due_at"]
    plan.active = after is None or plan.next_due_at is not None
    return "updated"
