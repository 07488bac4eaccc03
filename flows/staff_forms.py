"""Forms in the Prefect UI for what staff record: consultation events, policy updates and
final evaluations (the same inputs as `continuity event|update|evaluation add`), and a
contact's language (as `continuity contact set --language`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow

from tasks.clock import Clock
from tasks.people.language import ContactLanguage, set_contact_language
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


@flow(name="set-contact-language")
def set_contact_language_form(
    change: ContactLanguage, as_of: datetime | None = None
) -> dict[str, Any]:
    """Set the language a partner's contact reads their mail and portal pages in, by their
    contact number, with the reason; kept in the contact's history, and eTools imports
    leave it as set.

    Args:
        change: the contact's number, the language, why, and who decides.
        as_of: when the change is recorded (default: now).
    """
    return set_contact_language(change, Clock.at(as_of))
