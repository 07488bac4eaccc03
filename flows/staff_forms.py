"""Forms in the Prefect UI for what staff record: consultation events, policy updates and
final evaluations (the same inputs as `continuity event|update|evaluation add`)."""

from __future__ import annotations

from prefect import flow

from tasks.staff.records import EvaluationForm, EventInput, UpdateInput, record_staff_input


@flow(name="record-consultation-event")
def record_consultation_event(event: EventInput) -> dict[str, int | str]:
    """Record a consultation event; `consultation-invitations` invites the partners it
    concerns at its next run."""
    return record_staff_input(event)


@flow(name="record-policy-update")
def record_policy_update(update: UpdateInput) -> dict[str, int | str]:
    """Record a policy change, new priority or development for the monthly digests."""
    return record_staff_input(update)


@flow(name="record-evaluation")
def record_evaluation_conclusions(evaluation: EvaluationForm) -> dict[str, int | str]:
    """Record a final evaluation's conclusions and contributors (by contact number);
    `evaluation-followup` shares them with the contributors."""
    return record_staff_input(evaluation)
