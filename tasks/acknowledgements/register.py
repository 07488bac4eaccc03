"""Public acknowledgement of ended partnerships (guidance §3): a text drafted from the
partnership's recorded results, revised and approved by UNICEF staff, sent to the partner
for approval through the portal (approve, propose changes, or withdraw consent: the request
is the touchpoint in tasks/touchpoints/acknowledgement.py), and published only while both
sides approve the same revision."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from db.acknowledgements import ended_without_acknowledgement, latest_evaluation
from db.models import Acknowledgement, Contact, Partnership, TouchpointKind
from db.outbox_decisions import cancel_planned
from tasks.countries import SUPPORTED_LANGUAGES
from tasks.outbox.render import environment, localized
from tasks.sections import section_list, section_names

KIND = TouchpointKind.ACKNOWLEDGEMENT
Decision = Literal["approved", "changes proposed", "withdrawn", "outdated"]


class AcknowledgementError(Exception):
    """The acknowledgement is unknown, or the change cannot be made."""


def drafted_texts(session: Session, partnership: Partnership) -> dict[str, str]:
    """Return the draft in each language, from templates/public/draft.txt and the recorded
    results: the partnership's facts (its sections named in that language) and its latest
    evaluation's conclusions."""
    evaluation = latest_evaluation(session, partnership.id)
    template = environment().get_template("public/draft.txt")
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
            },
            "sections": section_names(partnership.sections, language),
            "section_list": section_list(partnership.sections, language),
            "conclusions": localized(evaluation.conclusions, language) if evaluation else "",
        }
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


def requests_key(acknowledgement: Acknowledgement) -> str:
    """Return what the occurrence keys of the approval requests for `acknowledgement`
    begin with: one request per revision, `<this>r<revision>`."""
    return f"{KIND}:ack{acknowledgement.id}:"


def cancel_requests(session: Session, acknowledgement: Acknowledgement, reason: str) -> int:
    """Cancel the approval requests still planned for the acknowledgement (a new revision
    or a withdrawal makes them pointless); return how many."""
    return cancel_planned(session, requests_key(acknowledgement), reason)


def asks_current_revision(session: Session, request: dict[str, Any]) -> bool:
    """True when the request (`acknowledgement_id`, `revision`) is about the text as it
    stands; False once staff revised it."""
    acknowledgement = session.get_one(Acknowledgement, request["acknowledgement_id"])
    return bool(request["revision"] == acknowledgement.revision)


def decide(
    session: Session,
    request: dict[str, Any],
    decision: Literal["approve", "changes", "withdraw"],
    changes: str,
    contact: Contact,
    now: datetime,
) -> Decision:
    """Apply the partner's `decision` (with the `changes` it proposes) to the request
    (`acknowledgement_id`, `revision`) and return what it came to. A withdrawal always
    counts and only a new revision asks again; an approval or a proposal counts only for
    the revision asked, once staff approved it, and an approval not while changes
    proposed to it are pending. The row is locked while deciding, so a
    staff edit cannot slip in between."""
    acknowledgement = session.get_one(
        Acknowledgement, request["acknowledgement_id"], with_for_update=True
    )
    if decision == "withdraw":
        acknowledgement.withdrawn_at = now
        cancel_requests(session, acknowledgement, "consent withdrawn")
        return "withdrawn"
    current = request["revision"] == acknowledgement.revision
    if not current or not acknowledgement.awaits_partner:
        return "outdated"
    if decision == "changes":
        acknowledgement.proposed_changes = changes
        return "changes proposed"
    acknowledgement.partner_approved_at = now
    acknowledgement.partner_approved_by = contact.name
    return "approved"
