"""Who a contact-desk command or a portal request is about: one person, as every contact
row holding their address (a person may work for several partners: the desk shows and acts
on all of them), and the mail they sent."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from email.utils import parseaddr

from sqlalchemy.orm import Session

from db.contacts import contacts_with_address
from db.models import Contact, InboundMail
from db.models.addresses import address_key
from db.people import inbound_by_ids, inbound_linked_to, inbound_senders
from tasks.responses.forms import CONTROL

MAX_IDENT = 320
# A contact's number: digits, short enough for any database's integer.
MAX_NUMBER_DIGITS = 15


class PersonError(Exception):
    """The address or number names no one, or is no address or number at all."""


@dataclass(frozen=True)
class Person:
    """Every contact row of one person, oldest first."""

    contacts: list[Contact]

    @property
    def address(self) -> str | None:
        """Return the person's address as written, None when eTools gave none."""
        return next((contact.email for contact in self.contacts if contact.email), None)

    @property
    def ids(self) -> list[int]:
        return [contact.id for contact in self.contacts]

    @property
    def erased(self) -> bool:
        return all(contact.erased_at is not None for contact in self.contacts)


def find_person(session: Session, ident: str) -> Person:
    """Return the person `ident` names: an address in either form of its domain and any
    case, or a contact's number. Raise `PersonError` when it names no contact (an erased
    address names none: `do_not_contact.erased_on` says when it was erased)."""
    ident = ident.strip()
    if not ident or len(ident) > MAX_IDENT or CONTROL.search(ident):
        raise PersonError("give the contact's e-mail address or number")
    if ident.isascii() and ident.isdigit():
        contact = session.get(Contact, int(ident)) if len(ident) <= MAX_NUMBER_DIGITS else None
        if contact is None:
            raise PersonError(f"no contact has the number {ident}")
        return person_of(session, contact)
    contacts = contacts_with_address(session, ident)
    if not contacts:
        raise PersonError("no contact has this address")
    return Person(contacts)


def person_of(session: Session, contact: Contact) -> Person:
    """Return the person `contact` is: every row holding its address, or the row alone
    when it has none (or was erased)."""
    if not contact.email:
        return Person([contact])
    return Person(contacts_with_address(session, contact.email))


def mail_from(
    session: Session,
    person: Person,
    message_ids: Collection[int],
    response_ids: Collection[int],
) -> list[InboundMail]:
    """Return the inbound mail from or about the person: sent from their address (its
    From header, in either form), or tied to a message to them or an answer of theirs
    (replies, bounces quoting their address), oldest first."""
    found = {mail.id: mail for mail in inbound_linked_to(session, message_ids, response_ids)}
    key = address_key(person.address) if person.address else ""
    if key:
        senders = inbound_senders(session)
        ids = [ident for ident, sender in senders if address_key(parseaddr(sender)[1]) == key]
        found |= {mail.id: mail for mail in inbound_by_ids(session, ids)}
    return sorted(found.values(), key=lambda mail: (mail.received_at, mail.id))
