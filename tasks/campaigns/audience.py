"""The audience filter of ad-hoc campaigns, shared by the Prefect UI form and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.orm import Session

from db.audience import audience_rows
from db.models import ENDED_STATUSES, Contact, Partnership
from tasks.countries import Language
from tasks.form_fields import without_null_branches
from tasks.staff.records import alpha3_code

Status = Literal[
    "ended", "closed", "terminated", "suspended", "active", "signed", "expired", "cancelled"
]
Name = Annotated[str, Field(min_length=1, max_length=256)]


# The statuses a campaign reaches unless told otherwise: those of ended partnerships.
ENDED: list[Status] = sorted(status for status in get_args(Status) if status in ENDED_STATUSES)


class Audience(BaseModel):
    """Who receives a campaign. Every list left empty means "any"."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=without_null_branches
    )

    # A plain default, not a factory, so that the form shows it ticked (pydantic copies it
    # for each instance).
    statuses: list[Status] = Field(
        ENDED, description="partnership statuses (default: the ended ones; empty: any status)"
    )
    countries: list[Annotated[str, AfterValidator(alpha3_code)]] = Field(
        default_factory=list, description="ISO alpha-3 codes, e.g. SEN, COL"
    )
    offices: list[Name] = Field(default_factory=list, description="UNICEF offices")
    sections: list[Name] = Field(default_factory=list, description="e.g. Education, WASH")
    cso_types: list[Name] = Field(default_factory=list, description="e.g. National")
    ended_after: date | None = Field(None, description="partnership ended on or after")
    ended_before: date | None = Field(None, description="partnership ended on or before")
    languages: list[Language] = Field(
        default_factory=list, description="the contacts' languages, e.g. fr"
    )
    vendor_numbers: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, description="explicit partners"
    )

    @model_validator(mode="after")
    def _dates_in_order(self) -> Audience:
        if self.ended_after and self.ended_before and self.ended_after > self.ended_before:
            raise ValueError("ended_after must not be after ended_before")
        return self


def audience(session: Session, chosen: Audience) -> Iterator[tuple[Contact, Partnership]]:
    """Yield each contact the filter reaches once, with the partnership that brought them
    in (offices and sections, kept as lists, are matched here)."""
    seen: set[int] = set()
    rows = audience_rows(
        session,
        chosen.statuses,
        chosen.countries,
        chosen.cso_types,
        chosen.vendor_numbers,
        chosen.languages,
        chosen.ended_after,
        chosen.ended_before,
    )
    for contact, partnership in rows:
        if contact.id in seen or not _in_lists(partnership, chosen):
            continue
        seen.add(contact.id)
        yield contact, partnership


def _in_lists(partnership: Partnership, chosen: Audience) -> bool:
    offices = not chosen.offices or bool(set(chosen.offices) & set(partnership.offices))
    return offices and partnership.in_audience([], chosen.sections)
