"""Forms in the Prefect UI for what staff record: consultation events, policy updates and
final evaluations (the same inputs as `continuity event|update|evaluation add`), and a
contact's language (as `continuity contact set --language`)."""

from __future__ import annotations

from typing import Annotated, Any

from prefect import flow

from flows.parameters import AsOf, titled
from tasks.clock import Clock
from tasks.people.language import ContactLanguage, set_contact_language
from tasks.staff.records import EvaluationForm, EventInput, UpdateInput, record_staff_input


@flow(name="record-consultation-event")
def record_consultation_event(
    event: Annotated[EventInput, titled("Consultation event")],
) -> dict[str, int | str]:
    """Record a consultation event; `consultation-invitations` invites the partners it
    concerns at its next run.

    Args:
        event: its title and topic per language, when, where, and whom it concerns.
    """
    return record_staff_input(event)


@flow(name="record-policy-update")
def record_policy_update(
    update: Annotated[UpdateInput, titled("Policy update")],
) -> dict[str, int | str]:
    """Record a policy change, new priority or development for the monthly digests.

    Args:
        update: what kind of update, its title and text per language, and whom it concerns.
    """
    return record_staff_input(update)


@flow(name="record-evaluation")
def record_evaluation_conclusions(
    evaluation: Annotated[EvaluationForm, titled("Final evaluation")],
) -> dict[str, int | str]:
    """Record a final evaluation's conclusions and contributors (by contact number);
    `evaluation-followup` shares them with the contributors.

    Args:
        evaluation: the partnership, what the evaluation found, its discussion and who
            contributed.
    """
    return record_staff_input(evaluation)


@flow(name="set-contact-language")
def set_contact_language_form(
    change: Annotated[ContactLanguage, titled("Contact's language")], as_of: AsOf = None
) -> dict[str, Any]:
    """Set the language a partner's contact reads their mail and portal pages in, by their
    contact number, with the reason; kept in the contact's history, and eTools imports
    leave it as set.

    Args:
        change: the contact's number, the language, why, and who decides.
        as_of: when the change is recorded (default: now).
    """
    return set_contact_language(change, Clock.at(as_of))
