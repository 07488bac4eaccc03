"""The language a partner's contact reads, set by staff in the `set-contact-language`
Prefect form: the change `continuity contact set --language` makes (tasks/people/changes.py),
on every contact row of the person, kept in their history and by eTools imports.

Prefect keeps every form's values, so the form names the contact by number only and takes
its reason from a fixed list: no words of staff's own, which could name the person."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import ConfigDict, Field

from db.engine import transaction
from tasks.clock import Clock
from tasks.countries import Language
from tasks.outbox.stages import app_engine
from tasks.people.changes import MAX_ACTOR, set_details
from tasks.people.person import find_person
from tasks.responses.forms import Clean

Reason = Literal[
    "the contact asked for this language",
    "the contact's organisation works in this language",
    "the country's language is not the contact's",
    "a correction of an earlier setting",
]


class ContactLanguage(Clean):
    """A contact's language, as the `set-contact-language` form takes it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    contact: Annotated[int, Field(ge=1, lt=10**15)] = Field(
        description="the contact's number (`continuity contact show ADDRESS` gives it)"
    )
    language: Language = Field(description="the language their mail and pages are written in")
    reason: Reason = Field(description="why (kept in the contact's history)")
    by: Annotated[str, Field(max_length=MAX_ACTOR)] = Field(
        "", description="who decides (a UNICEF staff member; default: staff)"
    )


@task(name="set-contact-language", cache_policy=NO_CACHE)
def set_contact_language(change: ContactLanguage, clock: Clock) -> dict[str, Any]:
    """Set the language on each of the person's contact rows; return the numbers of the
    rows changed and the language (never a name or an address). Raises `PersonError` for
    an unknown or erased contact, and `ChangeError` when the contact already has it."""
    with transaction(app_engine()) as session:
        person = find_person(session, str(change.contact))
        wanted: dict[str, str | None] = {"language": change.language}
        changed = set_details(session, person, wanted, change.reason, change.by, clock.now())
        return {"contacts": [contact.id for contact in changed], "language": change.language}
