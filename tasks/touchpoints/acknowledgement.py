"""Acknowledgement requests: the partner is asked to approve the public acknowledgement
text staff approved (approve, propose changes, or withdraw consent), and reminded while it
has not answered the revision asked. The acknowledgement's own rules (drafts, revisions,
publication) are in tasks/acknowledgements/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator
from sqlalchemy.orm import Session

from db.acknowledgements import acknowledgements
from db.contacts import partner_contacts
from db.models import Acknowledgement, Message, Response, TouchpointKind
from tasks.acknowledgements.register import asks_current_revision, decide, requests_key
from tasks.outbox.planning import Planned
from tasks.outbox.render import localized, paragraphs
from tasks.responses.forms import Answers, Text, refused
from tasks.touchpoints.touchpoint import Reader, Touchpoint
from tasks.translations import N_

KIND = TouchpointKind.ACKNOWLEDGEMENT
# The problem of a decision to propose changes that proposes none.
CHANGES_MISSING = "changes_missing"


class AcknowledgementAnswers(Answers):
    """The partner's decision on the public acknowledgement text."""

    decision: Literal["approve", "changes", "withdraw"]
    changes: Text = Field("", validate_default=True)

    @field_validator("changes")
    @classmethod
    def _changes_proposed(cls, value: str, info: Any) -> str:
        if info.data.get("decision") == "changes" and not value:
            raise refused(CHANGES_MISSING, "write the changes you propose")
        return value


class AcknowledgementRequest(Touchpoint[AcknowledgementAnswers]):
    """Asks the partner to approve the text; its answer decides consent."""

    kind = KIND
    form = AcknowledgementAnswers
    page = "acknowledgement"
    scheduled = True
    reminded = True

    def due(
        self, session: Session, as_of: datetime, reminder_delays: tuple[int, ...]
    ) -> Iterator[Planned]:
        """Yield one approval request per active contact of each partner whose current
        revision staff approved and the partner has not answered."""
        for acknowledgement in acknowledgements(session):
            if not acknowledgement.awaits_partner:
                continue
            key = f"{requests_key(acknowledgement)}r{acknowledgement.revision}"
            context = {
                "acknowledgement_id": acknowledgement.id,
                "revision": acknowledgement.revision,
                "text": acknowledgement.text,
            }
            partnership = acknowledgement.partnership
            for contact in partner_contacts(session, partnership.partner_id):
                if contact.active:
                    yield Planned(contact, KIND, key, partnership, context)

    def context(self, session: Session, message: Message, cache: dict[Any, Any]) -> dict[str, Any]:
        """The text as it stood when staff approved the revision asked (kept with the row)."""
        return {"acknowledgement": {"text": message.context["text"]}}

    def still_asks(self, session: Session, message: Message, as_of: datetime) -> bool:
        """True while the partner (any of its contacts) has not answered the revision
        asked, and that revision is still the current one."""
        asked = session.get_one(Acknowledgement, message.context["acknowledgement_id"])
        return asked.awaits_partner and asked.revision == message.context["revision"]

    def page_context(
        self, session: Session, message: Message, reader: Reader, values: dict[str, Any]
    ) -> dict[str, Any]:
        """The text asked about, in the reader's language, paragraph by paragraph."""
        asked = localized(message.context["text"], reader.language)
        return {"acknowledgement": {"paragraphs": paragraphs(asked)}}

    def answered(
        self, session: Session, response: Response, answers: AcknowledgementAnswers, now: datetime
    ) -> None:
        """Apply the decision to the acknowledgement (see `decide`)."""
        if response.message is None or response.contact is None:
            return
        request = response.message.context
        decide(session, request, answers.decision, answers.changes, response.contact, now)

    def thanks_notice(self, session: Session, message: Message, answers: dict[str, Any]) -> str:
        """An approval or a proposal about a text staff have revised since counts for
        nothing: say so (a withdrawal always counts)."""
        if answers.get("decision") == "withdraw" or asks_current_revision(session, message.context):
            return ""
        return N_(
            "The text has changed since we wrote to you, so this answer is about an earlier"
            " version: we will send you the new text to approve."
        )
