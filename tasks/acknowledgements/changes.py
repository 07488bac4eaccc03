"""What staff do to an acknowledgement, as `continuity acknowledgement` and the
`record-acknowledgement` form take it: revise the text, approve it, record that the
partner withdrew consent."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import ConfigDict, Field, field_validator, model_validator
from sqlalchemy.orm import Session

from db.acknowledgements import acknowledgement_of
from db.engine import transaction
from db.models import Acknowledgement
from tasks.acknowledgements.register import AcknowledgementError, cancel_requests
from tasks.clock import Clock
from tasks.countries import SUPPORTED_LANGUAGES
from tasks.form_fields import per_language
from tasks.outbox.stages import app_engine
from tasks.responses.forms import CONTROL, Clean

MAX_TEXT = 8000


class AcknowledgementChange(Clean):
    """One staff change to the acknowledgement of an ended partnership."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: Literal["edit", "approve", "withdraw"] = Field(description="what to do")
    partnership: Annotated[str, Field(min_length=1, max_length=128)] = Field(
        description="reference number"
    )
    texts: Annotated[
        dict[str, Annotated[str, Field(max_length=MAX_TEXT)]], per_language(MAX_TEXT, "the text")
    ] = Field(default_factory=dict, description="edit: the new text, in one language or more")
    recorded_by: Annotated[str, Field(min_length=1, max_length=256)] = Field(
        description="staff member making the change"
    )

    @field_validator("texts")
    @classmethod
    def _texts(cls, texts: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(texts) - set(SUPPORTED_LANGUAGES))
        if unknown:
            raise ValueError(
                f"languages {', '.join(unknown)}: use {', '.join(SUPPORTED_LANGUAGES)}"
            )
        for language, text in texts.items():
            if CONTROL.search(text):
                raise ValueError(f"{language}: contains control characters")
        return {language: text for language, text in texts.items() if text}

    @model_validator(mode="after")
    def _complete(self) -> AcknowledgementChange:
        if self.action == "edit" and not self.texts:
            raise ValueError("edit needs the text in at least one language")
        return self


def apply_change(session: Session, change: AcknowledgementChange, now: datetime) -> dict[str, Any]:
    """Make the change; return the acknowledgement's state. Raises
    `AcknowledgementError` when there is none, or staff approve a text the partner
    asked to change."""
    acknowledgement = acknowledgement_of(session, change.partnership, for_update=True)
    if acknowledgement is None:
        raise AcknowledgementError(
            f"no acknowledgement for {change.partnership!r} (drafted for ended partnerships"
            " by the public-acknowledgements flow)"
        )
    if change.action == "edit":
        cancel_requests(session, acknowledgement, f"revision {acknowledgement.revision} revised")
        acknowledgement.revise(change.texts)
    elif change.action == "approve":
        approve(acknowledgement, change.recorded_by, now)
    else:
        cancel_requests(session, acknowledgement, "consent withdrawn")
        acknowledgement.withdrawn_at = now
    return state(acknowledgement)


def approve(acknowledgement: Acknowledgement, by: str, now: datetime) -> None:
    if acknowledgement.proposed_changes:
        raise AcknowledgementError(
            "the partner proposed changes: edit the text (a new revision) before approving"
        )
    if acknowledgement.withdrawn_at is not None:
        raise AcknowledgementError(
            "the partner withdrew consent: only a new revision (edit) asks them again"
        )
    if not any(acknowledgement.text.values()):
        raise AcknowledgementError("the text is empty")
    acknowledgement.staff_approved_at, acknowledgement.staff_approved_by = now, by


def state(acknowledgement: Acknowledgement) -> dict[str, Any]:
    """Return where the acknowledgement stands, for staff."""
    if acknowledgement.withdrawn_at is not None:
        stage = "withdrawn"
    elif acknowledgement.is_publishable:
        stage = "approved by both"
    elif acknowledgement.proposed_changes:
        stage = "changes proposed"
    elif acknowledgement.awaits_partner:
        stage = "awaiting the partner"
    else:
        stage = "draft"
    return {
        "partnership": acknowledgement.partnership.reference_number,
        "revision": acknowledgement.revision,
        "stage": stage,
        "published": acknowledgement.published_at is not None,
        "proposed_changes": acknowledgement.proposed_changes,
    }


@task(name="record-acknowledgement", cache_policy=NO_CACHE)
def record_acknowledgement(change: AcknowledgementChange, clock: Clock) -> dict[str, Any]:
    """Apply one staff change to an acknowledgement; return where it stands."""
    with transaction(app_engine()) as session:
        return apply_change(session, change, clock.now())
