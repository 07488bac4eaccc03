"""Answers staff record by hand (a phone call, a meeting), through the Prefect UI form of
the `record-response` deployment or `continuity response add`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from db.contacts import partner_contacts
from db.engine import engine_for, transaction
from db.models import Contact, Partnership, Response, ResponseChannel, TouchpointKind
from db.models.addresses import address_key
from db.partnerships import partnership_by_reference
from db.responses import latest_message_to
from tasks.clock import Clock
from tasks.form_fields import without_null_branches
from tasks.responses.answers import Answering, record_answer
from tasks.responses.forms import FormError
from tasks.settings import get_settings
from tasks.touchpoints.registry import parse_answers

AnswerableKind = Literal[
    "sustainability_checkin", "consultation_invitation", "evaluation_followup", "policy_digest"
]


class ManualAnswer(BaseModel):
    """An answer received outside e-mail and the portal: who answered what, without the
    partner's own words."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=without_null_branches
    )

    partnership: Annotated[str, Field(min_length=1, max_length=128)] = Field(
        description="reference number, e.g. SEN/PCA2021001/PD2021004"
    )
    # A number, not a name: the form's values are kept by Prefect, which holds no
    # partner's person (`continuity contact show ADDRESS` shows the number).
    contact: Annotated[int, Field(ge=1)] | None = Field(
        None, description="the number of the contact who answered (empty: the organisation)"
    )
    kind: AnswerableKind = Field(description="what was answered")
    channel: Literal["phone", "meeting", "other"] = Field(
        "phone", description="how the answer came"
    )
    received_at: AwareDatetime | None = Field(None, description="when (default: now)")
    sustained: Literal["yes", "partly", "no"] | None = Field(None, description="check-ins")
    capacity: Annotated[int, Field(ge=1, le=5)] | None = Field(None, description="check-ins, 1-5")
    attending: Literal["yes", "no", "maybe"] | None = Field(None, description="invitations")
    join_discussion: Literal["yes", "no"] = Field(
        "no", description="evaluation follow-ups: whether they will join the discussion"
    )
    recorded_by: Annotated[str, Field(max_length=256)] = Field("", description="staff member")


class ManualResponseForm(ManualAnswer):
    """An answer as the Prefect form takes it. Prefect keeps every form's values, so the
    form has no field for what the partner said: `continuity response add` records the
    words (`--comment`, `--support-needed`, `--news`, `--policy-changes`) in the database
    alone."""


class ManualResponse(ManualAnswer):
    """An answer with the partner's own words, as `continuity response add` takes it."""

    support_needed: Annotated[str, Field(max_length=4000)] = ""
    news: Annotated[str, Field(max_length=4000)] = ""
    policy_changes: Annotated[str, Field(max_length=4000)] = ""
    comment: Annotated[str, Field(max_length=4000)] = ""


class ManualEntryError(Exception):
    """The entry names something unknown or misses a required answer."""


def record_manual_response(session: Session, entry: ManualAnswer, now: datetime) -> Response:
    """Record the entry as the contact's (or the partnership's) current answer; raise
    `ManualEntryError` for an unknown partnership or contact, or missing answers."""
    partnership = partnership_by_reference(session, entry.partnership)
    if partnership is None:
        raise ManualEntryError(f"no partnership with reference {entry.partnership!r}")
    contact = _contact(session, partnership, entry.contact)
    kind = TouchpointKind(entry.kind)
    fields = {name: value for name, value in entry.model_dump().items() if value is not None}
    try:
        answers = parse_answers(kind, {key: str(value) for key, value in fields.items()})
    except FormError as error:
        raise ManualEntryError(str(error)) from None
    message = latest_message_to(session, kind, partnership.id, contact.id)
    who = Answering(contact, partnership, kind, message)
    return record_answer(
        session,
        who,
        answers,
        ResponseChannel(entry.channel),
        entry.received_at or now,
        text=entry.comment if isinstance(entry, ManualResponse) else "",
        recorded_by=entry.recorded_by,
    )


def _contact(session: Session, partnership: Partnership, number: int | None) -> Contact:
    # An erased person answers nothing more: their row stays only to keep counts.
    contacts = [c for c in partner_contacts(session, partnership.partner_id) if not c.erased_at]
    if not contacts:
        raise ManualEntryError(f"{partnership.reference_number} has no contacts")
    if number is None:
        return contacts[0]
    found = [contact for contact in contacts if contact.id == number]
    if not found:
        raise ManualEntryError(f"contact {number} is not a contact of this partner (or erased)")
    return found[0]


def contact_named(session: Session, reference: str, name: str) -> int | None:
    """Return the number of the partnership's partner's contact `name` names: their name
    (case aside), number or address (either form of its domain, any case); None for an
    empty name. Raise `ManualEntryError` for an unknown partnership or name, naming the
    contacts there are."""
    if not name.strip():
        return None
    partnership = partnership_by_reference(session, reference)
    if partnership is None:
        raise ManualEntryError(f"no partnership with reference {reference!r}")
    contacts = partner_contacts(session, partnership.partner_id)
    wanted, key = name.strip().casefold(), address_key(name)
    for contact in contacts:
        if contact.name.casefold() == wanted or str(contact.id) == wanted:
            return contact.id
        if key and contact.email_key == key:  # an address, in either form and any case
            return contact.id
    known = ", ".join(f"{contact.name} ({contact.id})" for contact in contacts)
    raise ManualEntryError(f"no contact named {name!r} at this partner (known: {known})")


@task(name="record-response", cache_policy=NO_CACHE)
def record(entry: ManualAnswer) -> dict[str, object]:
    """Record one manual entry; return what was stored (no personal data)."""
    with transaction(engine_for(get_settings().database_url)) as session:
        response = record_manual_response(session, entry, Clock().now())
        return {
            "response_id": response.id,
            "partnership": entry.partnership,
            "kind": response.kind,
            "channel": str(response.channel),
            "revision": response.revision,
        }
