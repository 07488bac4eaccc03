"""Public acknowledgement of ended partnerships (guidance §3): a text drafted from the
partnership's recorded results, revised and approved by UNICEF staff, sent to the partner
for approval through the portal (approve, propose changes, or withdraw consent), and
published only while both sides approve the same revision."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from db.acknowledgements import acknowledgements, ended_without_acknowledgement, latest_evaluation
from db.contacts import partner_contacts
from db.models import Acknowledgement, Contact, Message, Partnership, TouchpointKind
from db.outbox_decisions import cancel_planned
from tasks.countries import SUPPORTED_LANGUAGES
from tasks.outbox.planning import Planned
from tasks.outbox.render import environment, localized
from tasks.responses.forms import AcknowledgementAnswers

KIND = TouchpointKind.ACKNOWLEDGEMENT
Decision = Literal["approved", "changes proposed", "withdrawn", "outdated"]


class AcknowledgementError(Exception):
    """The acknowledgement is unknown, or the change cannot be made."""


def drafted_texts(session: Session, partnership: Partnership) -> dict[str, str]:
    """Return the draft in each language, from templates/public/draft and the recorded
    results: the partnership's facts and its latest evaluation's conclusions."""
    evaluation = latest_evaluation(session, partnership.id)
    texts = {}
    for language in SUPPORTED_LANGUAGES:
        values = {
            "language": language,
            "time_zone": partnership.partner.time_zone,
            "partner": {"name": partnership.partner.name},
            "partnership": {
                "title": partnership.title,
                "start_date": partnership.start_date,
                "end_date": partnership.end_date,
                "sections": partnership.sections,
            },
            "conclusions": localized(evaluation.conclusions, language) if evaluation else "",
        }
        template = environment().get_template(f"public/draft/{language}.txt")
        texts[language] = template.render(values).strip()
    return texts


def draft_missing(session: Session) -> int:
    """Draft an acknowledgement for every ended partnership that has none; return how
    many were drafted."""
    drafted = 0
    while batch := ended_without_acknowledgement(session):
        for partnership in batch:
            texts = drafted_texts(session, partnership)
            session.add(Acknowledgement(partnership=partnership, text=texts))
        session.flush()
        drafted += len(batch)
    return drafted


def due(session: Session, as_of: datetime) -> Iterator[Planned]:
    """Yield one approval request per active contact of each partner whose current
    revision staff approved and the partner has not answered."""
    for acknowledgement in acknowledgements(session):
        if not acknowledgement.awaits_partner:
            continue
        key = f"{KIND}:ack{acknowledgement.id}:r{acknowledgement.revision}"
        context = {
            "acknowledgement_id": acknowledgement.id,
            "revision": acknowledgement.revision,
            "text": acknowledgement.text,
        }
        partnership = acknowledgement.partnership
        for contact in partner_contacts(session, partnership.partner_id):
            if contact.active:
                yield Planned(contact, KIND, key, partnership, context)


def context(session: Session, message: Message, cache: dict[Any, Any]) -> dict[str, Any]:
    """The text as it stood when staff approved the revision asked (kept with the row)."""
    return {"acknowledgement": {"text": message.context["text"]}}


def cancel_requests(session: Session, acknowledgement: Acknowledgement, reason: str) -> int:
    """Cancel the approval requests still planned for the acknowledgement (a new revision
    or a withdrawal makes them pointless); return how many."""
    return cancel_planned(session, f"{KIND}:ack{acknowledgement.id}:", reason)


def asks_current_revision(session: Session, request: dict[str, Any]) -> bool:
    """True when the request (`acknowledgement_id`, `revision`) is about the text as it
    stands; False once staff revised it."""
    acknowledgement = session.get_one(Acknowledgement, request["acknowledgement_id"])
    return bool(request["revision"] == acknowledgement.revision)


def decide(
    session: Session,
    request: dict[str, Any],
    answers: AcknowledgementAnswers,
    contact: Contact,
    now: datetime,
) -> Decision:
    """Apply the partner's answer to the request (`acknowledgement_id`, `revision`). A
    withdrawal always counts and only a new revision asks again; an approval or a
    proposal counts only for the revision asked, once staff approved it, and an approval
    not while changes proposed to it are pending. The row is locked while deciding, so a
    staff edit cannot slip in between."""
    acknowledgement = session.get_one(
        Acknowledgement, request["acknowledgement_id"], with_for_update=True
    )
    if answers.decision == "withdraw":
        acknowledgement.withdrawn_at = now
        cancel_requests(session, acknowledgement, "consent withdrawn")
        return "withdrawn"
    current = request["revision"] == acknowledgement.revision
    if not current or not acknowledgement.awaits_partner:
        return "outdated"
    if answers.decision == "changes":
        acknowledgement.proposed_changes = answers.changes
        return "changes proposed"
    acknowledgement.partner_approved_at = now
    acknowledgement.partner_approved_by = contact.name
    return "approved"
