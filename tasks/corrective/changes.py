"""What staff do to corrective-action plans, as the `record-corrective-action` form and
`continuity corrective` take it: open a plan, add a measure, update one, close a plan."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import ConfigDict, Field, model_validator
from sqlalchemy.orm import Session

from db.corrective import open_plan_of
from db.engine import transaction
from db.models import CorrectiveMeasure, CorrectivePlan, MeasureStatus, Partnership
from db.partnerships import partnership_by_reference
from tasks.clock import Clock
from tasks.corrective.plans import (
    CorrectiveError,
    add_measure,
    close_plan,
    open_plan,
    owner_for,
    update_measure,
)
from tasks.form_fields import without_null_branches
from tasks.outbox.stages import app_engine
from tasks.responses.forms import Clean

Short = Annotated[str, Field(max_length=256)]
Long = Annotated[str, Field(max_length=4000)]
Budget = Annotated[Decimal, Field(ge=-(10**11), le=10**11, decimal_places=2)]


class CorrectiveChange(Clean):
    """One change to a corrective-action plan, made by a named staff member."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=without_null_branches
    )

    action: Literal["open", "add-measure", "update", "close"] = Field(description="what to do")
    partnership: Annotated[str, Field(max_length=128)] = Field(
        "", description="reference number (open, add-measure, close)"
    )
    measure_id: int | None = Field(None, description="the measure to update")
    reason: Long = Field("", description="open: why corrective measures are needed")
    description: Long = Field("", description="add-measure, update: what is to be done")
    owner: Short = Field(
        "",
        description="a partner contact's number (`continuity contact` shows it; Prefect keeps"
        " what this form is given, never a partner's person), or a focal point's name",
    )
    due_on: date | None = Field(None, description="add-measure, update: when it is due")
    budget_change: Budget | None = Field(None, description="the budget change it implies")
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = Field(
        None, description="the budget change's ISO 4217 code, e.g. XOF"
    )
    status: MeasureStatus | None = Field(
        None, title="Status", description="update: the measure's status"
    )
    comment: Long | None = Field(None, description="update: a note for the audit trail")
    outcome: Long = Field("", description="close: what the plan achieved")
    recorded_by: Annotated[str, Field(min_length=1, max_length=256)] = Field(
        description="staff member making the change"
    )

    @model_validator(mode="after")
    def _complete(self) -> CorrectiveChange:
        needs = {
            "open": ("partnership", "reason"),
            "add-measure": ("partnership", "description", "owner", "due_on"),
            "update": ("measure_id",),
            "close": ("partnership", "outcome"),
        }[self.action]
        missing = [name for name in needs if not getattr(self, name)]
        if missing:
            raise ValueError(f"{self.action} needs {', '.join(missing)}")
        return self


def apply_change(session: Session, change: CorrectiveChange, now: datetime) -> dict[str, Any]:
    """Make the change and return what was done (ids, no addresses); raise
    `CorrectiveError` for an unknown partnership, plan or measure, or a refused change."""
    actor = f"staff: {change.recorded_by}"
    if change.action == "update":
        measure = session.get(CorrectiveMeasure, change.measure_id)
        if measure is None:
            raise CorrectiveError(f"no measure {change.measure_id}")
        changed = update_measure(session, measure, measure_changes(session, change), actor, now)
        return {"measure_id": measure.id, "changed": sorted(changed)}
    partnership = known_partnership(session, change.partnership)
    if change.action == "open":
        plan = open_plan(session, partnership, change.reason, actor, now)
        return {"plan_id": plan.id}
    plan = plan_open_for(session, partnership)
    if change.action == "close":
        close_plan(session, plan, change.outcome, actor, now)
        return {"plan_id": plan.id, "closed": True}
    values = {
        "description": change.description,
        "owner": owner_for(session, partnership, change.owner),
        "due_on": change.due_on,
        "budget_change": change.budget_change or Decimal(0),
        "currency": change.currency or "USD",
    }
    measure = add_measure(session, plan, values, actor, now)
    return {"plan_id": plan.id, "measure_id": measure.id}


def measure_changes(session: Session, change: CorrectiveChange) -> dict[str, Any]:
    """Return the measure's fields the change sets (those it leaves empty stay)."""
    measure = session.get_one(CorrectiveMeasure, change.measure_id)
    values: dict[str, Any] = {
        "description": change.description or None,
        "due_on": change.due_on,
        "budget_change": change.budget_change,
        "currency": change.currency,
        "status": change.status,
        "status_comment": change.comment,
    }
    if change.owner:
        values["owner"] = owner_for(session, measure.plan.partnership, change.owner)
    return {name: value for name, value in values.items() if value is not None}


def known_partnership(session: Session, reference: str) -> Partnership:
    partnership = partnership_by_reference(session, reference)
    if partnership is None:
        raise CorrectiveError(f"no partnership with reference {reference!r}")
    return partnership


def plan_open_for(session: Session, partnership: Partnership) -> CorrectivePlan:
    plan = open_plan_of(session, partnership.id)
    if plan is None:
        raise CorrectiveError(f"{partnership.reference_number} has no open corrective plan")
    return plan


@task(name="record-corrective-action", cache_policy=NO_CACHE)
def record_corrective(change: CorrectiveChange, clock: Clock) -> dict[str, Any]:
    """Apply one staff change to a corrective-action plan; return what it did."""
    with transaction(app_engine()) as session:
        return apply_change(session, change, clock.now())
