"""The staff directory: the addresses of UNICEF focal points. eTools exports name focal
points only, so staff register each address once (`continuity focal-point add`); the
product matches a partnership's focal points to it by name, accents and case aside."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from email_validator import EmailNotValidError, validate_email
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import ConfigDict, Field
from sqlalchemy.orm import Session

from db.contacts import staff_contacts, staff_with_address, unicef
from db.corrective import hand_over_measures
from db.engine import engine_for, transaction
from db.models import Contact, Partner, Partnership
from tasks.countries import SUPPORTED_LANGUAGES, Language
from tasks.people.do_not_contact import DoNotContact
from tasks.responses.forms import CONTROL, Clean
from tasks.settings import get_settings
from tasks.staff.influence import supporter_key

# UNICEF's own row needs a vendor number (the column is unique and required): one that no
# eTools export uses.
UNICEF_VENDOR_NUMBER = "UNICEF-STAFF"


class DirectoryError(Exception):
    """A focal point's name, address or language cannot be recorded."""


@dataclass(frozen=True)
class FocalPoints:
    """A partnership's focal points: those the directory can reach, and the names it
    has no address for."""

    reachable: list[Contact]
    unknown: list[str]


def add_focal_point(session: Session, name: str, address: str, language: str = "en") -> Contact:
    """Register a focal point's address, or change it (the measures they own follow);
    return its contact row. Raises `DirectoryError` on an empty or hostile name, a bad
    address or an unknown language."""
    name = name.strip()
    if not name or len(name) > 256 or CONTROL.search(name) or not supporter_key(name):
        raise DirectoryError(f"name {name[:40]!r}: give the focal point's name as eTools spells it")
    if language not in SUPPORTED_LANGUAGES:
        raise DirectoryError(f"language {language!r}: use one of {', '.join(SUPPORTED_LANGUAGES)}")
    try:
        email = validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise DirectoryError(f"address: {error}") from None
    not_erased(session, email)
    twin, holder = named(session, name), staff_with_address(session, email)
    if twin is not None and holder is None:
        twin.email = email
    contact = staff_contact(session, email, language)
    if twin is not None and twin.id != contact.id:
        twin.active = False
        # The measures it owned follow, so their follow-up reaches the address now registered.
        hand_over_measures(session, twin.id, contact.id)
    contact.name, contact.language, contact.active = name, language, True
    return contact


def named(session: Session, name: str) -> Contact | None:
    """Return the active staff contact registered under `name` (folded), if any."""
    key = supporter_key(name)
    for contact in staff_contacts(session):
        if contact.active and supporter_key(contact.name) == key:
            return contact
    return None


def focal_points_of(session: Session, partnership: Partnership) -> FocalPoints:
    """Return the partnership's eTools focal points split into reachable and unknown."""
    directory = {
        supporter_key(contact.name): contact
        for contact in staff_contacts(session)
        if contact.active
    }
    reachable, unknown = [], []
    for name in partnership.focal_points:
        contact = directory.get(supporter_key(name))
        if contact is None:
            unknown.append(name)
        else:
            reachable.append(contact)
    return FocalPoints(reachable, unknown)


def staff_contact(session: Session, address: str, language: str) -> Contact:
    """Return the contact row of a staff address (test sends, focal points), made if new,
    with UNICEF's own row the first time."""
    email = address.lower()
    contact = staff_with_address(session, email)
    if contact is None:
        not_erased(session, email)
        organisation = unicef(session) or _new_unicef(session)
        contact = Contact(
            partner=organisation, name=email.split("@")[0], email=email, language=language
        )
        session.add(contact)
        session.flush()
    return contact


def not_erased(session: Session, address: str) -> None:
    """Raise `DirectoryError` when the address's owner was erased at their request."""
    if DoNotContact.load(session).lists(address):
        raise DirectoryError("this address was erased at its owner's request: it stays unused")


def _new_unicef(session: Session) -> Partner:
    organisation = Partner(
        vendor_number=UNICEF_VENDOR_NUMBER,
        name="UNICEF staff",
        short_name="UNICEF",
        partner_type="UN Agency",
        language="en",
        time_zone="UTC",
        is_unicef=True,
    )
    session.add(organisation)
    session.flush()
    return organisation


class FocalPointInput(Clean):
    """A focal point's address, as the `record-focal-point` form takes it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Annotated[str, Field(min_length=1, max_length=256)] = Field(
        description="the name as eTools spells it"
    )
    address: Annotated[str, Field(min_length=3, max_length=320)] = Field(
        description="their e-mail address"
    )
    language: Language = Field("en", description="the language they read mail in")


@task(name="record-focal-point", cache_policy=NO_CACHE)
def record_focal_point(focal_point: FocalPointInput) -> dict[str, Any]:
    """Register the address; return the contact id and name (never the address)."""
    with transaction(engine_for(get_settings().database_url)) as session:
        contact = add_focal_point(
            session, focal_point.name, focal_point.address, focal_point.language
        )
        session.flush()
        return {"contact_id": contact.id, "name": contact.name}
