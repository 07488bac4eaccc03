"""Forms in the Prefect UI for corrective-action plans, public acknowledgements and the
staff directory (the same inputs as `continuity corrective|acknowledgement|focal-point`)."""

from __future__ import annotations

from typing import Annotated, Any

from prefect import flow

from flows.parameters import AsOf, titled
from tasks.acknowledgements.changes import AcknowledgementChange, record_acknowledgement
from tasks.clock import Clock
from tasks.corrective.changes import CorrectiveChange, record_corrective
from tasks.staff.focal_points import FocalPointInput, record_focal_point


@flow(name="record-corrective-action")
def record_corrective_action(
    change: Annotated[CorrectiveChange, titled("Corrective action")], as_of: AsOf = None
) -> dict[str, Any]:
    """Open a corrective-action plan for a partnership making little or no progress, add
    a measure (owner, due date, budget change), update one, or close the plan with its
    outcome. Every change goes to the plan's audit trail under the staff member's name.

    Args:
        change: what to do (see each field).
        as_of: when the change is recorded (default: now).
    """
    return record_corrective(change, Clock.at(as_of))


@flow(name="record-acknowledgement")
def record_acknowledgement_change(
    change: Annotated[AcknowledgementChange, titled("Acknowledgement")], as_of: AsOf = None
) -> dict[str, Any]:
    """Revise an acknowledgement's text (both sides approve again), approve it for UNICEF
    (the partner is then asked), or record that the partner withdrew consent.

    Args:
        change: what to do.
        as_of: when the change is recorded (default: now).
    """
    return record_acknowledgement(change, Clock.at(as_of))


@flow(name="record-focal-point")
def record_focal_point_address(
    focal_point: Annotated[FocalPointInput, titled("Focal point")],
) -> dict[str, Any]:
    """Register a UNICEF focal point's address under the name eTools gives, so that
    escalations and capacity notices reach them.

    Args:
        focal_point: the name as eTools spells it, the address and the language.
    """
    return record_focal_point(focal_point)
