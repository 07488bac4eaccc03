"""Staff's word on waiting messages, as `continuity outbox release --now|--at` and the
`release-messages` form take it: release the held and not-yet-due messages of a campaign,
a kind and/or a country now (their recipients' sending window set aside, this once) or
at a time, or cancel a campaign.

Exactly once holds: only rows still held or planned change, in one transaction, so a
release never adds a message nor touches one a delivery has claimed or sent.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, Self

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import ConfigDict, Field, field_validator, model_validator
from sqlalchemy.orm import Session

from db.deferrals import RELEASED_MARK, releasable
from db.engine import for_writing, transaction
from db.models import Campaign, MessageStatus, TouchpointKind
from db.outbox_decisions import RELEASED_NOW
from tasks.calendar_changes import (
    MAX_NAME,
    MAX_REASON,
    CalendarError,
    checked_country,
    checked_text,
)
from tasks.campaigns.stages import cancel_campaign
from tasks.clock import Clock
from tasks.form_fields import without_null_branches
from tasks.outbox.holds import release_held
from tasks.outbox.stages import app_engine
from tasks.responses.forms import Clean
from tasks.settings import Settings, get_settings

# How far ahead "at a time" may be: past that, it is a typing mistake.
FURTHEST = timedelta(days=366)
Action = Literal["release now", "release at", "cancel campaign"]
# Held ids released per statement: PostgreSQL binds at most 65,535 parameters in one.
IDS_PER_STATEMENT = 10_000


class ReleaseError(Exception):
    """A release or cancellation that cannot be made as asked; the message says why."""


class Release(Clean):
    """What the `release-messages` form and `continuity outbox release --now|--at` take."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=without_null_branches
    )

    action: Action = Field(
        title="What to do",
        description="release now: the messages go at the next delivery, even outside their"
        " recipients' sending window; release at: they wait until the time below (and"
        " then for the window); cancel campaign: what the campaign has not sent is cancelled"
        " (all of it: leave kind and country empty)",
    )
    campaign: Annotated[int, Field(ge=1, lt=10**15)] | None = Field(
        None,
        title="Campaign",
        description="the campaign's number (`continuity campaign list`; its artifacts name"
        " it); required to cancel",
    )
    kind: TouchpointKind | None = Field(
        None, title="Kind", description="only messages of this kind (empty: any kind)"
    )
    country: Annotated[str, Field(max_length=8)] | None = Field(
        None,
        title="Country",
        description="only messages to partners in this country, ISO code (SN or SEN;"
        " empty: any country)",
    )
    at: datetime | None = Field(
        None,
        title="Release at",
        description="release at: when they may go (with its time zone; within a year)",
    )
    by: str = Field(
        title="Your name", description="the staff member deciding (kept with each message)"
    )
    reason: str = Field(
        title="Why",
        description="one line, kept with each message; name no partner's person (Prefect"
        " keeps what this form is given)",
    )

    @field_validator("by", "reason")
    @classmethod
    def _one_line(cls, value: str, info: Any) -> str:
        limit = MAX_NAME if info.field_name == "by" else MAX_REASON
        try:
            return checked_text(value, info.field_name, limit)
        except CalendarError as error:
            raise ValueError(str(error)) from None

    @field_validator("country")
    @classmethod
    def _alpha3(cls, value: str | None) -> str | None:
        try:
            return checked_country(value).alpha3 if value else None
        except CalendarError as error:
            raise ValueError(str(error)) from None

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.action == "cancel campaign" and self.campaign is None:
            raise ValueError("cancel campaign: give the campaign's number")
        if self.action == "cancel campaign" and (self.kind is not None or self.country is not None):
            raise ValueError(
                "cancel campaign: cancels the whole campaign, so takes no kind nor country"
                " (leave them empty)"
            )
        if self.action == "release at" and self.at is None:
            raise ValueError("release at: give the time")
        if self.action != "release at" and self.at is not None:
            raise ValueError(f"{self.action}: takes no time (choose release at)")
        if self.campaign is None and self.kind is None and self.country is None:
            raise ValueError("choose the messages: a campaign, a kind and/or a country")
        return self


def release(session: Session, asked: Release, settings: Settings, now: datetime) -> dict[str, Any]:
    """Release the messages `asked` chooses (held ones are rendered again first): due at
    once with the window set aside ("release now"), or due at `asked.at`; return how many
    and when. Raises `ReleaseError` for an unknown campaign or a time past or more than a
    year ahead, and `RenderError` when a held one still does not render (the caller rolls
    back: nothing is released)."""
    due_at = _due_at(asked, now)
    _known_campaign(session, asked.campaign)
    chosen = releasable(session, asked.campaign, asked.kind, asked.country)
    held = [message.id for message in chosen if message.status == MessageStatus.HELD]
    if held:
        # By slices: one statement binds each id, and PostgreSQL takes at most 65,535.
        for start in range(0, len(held), IDS_PER_STATEMENT):
            slice_ = held[start : start + IDS_PER_STATEMENT]
            release_held(session, settings, now, asked.campaign, slice_)
        # Its render check let go of every row it had loaded: read them again, planned now.
        chosen = releasable(session, asked.campaign, asked.kind, asked.country)
    note = f"{RELEASED_MARK}{asked.by} at {now:%Y-%m-%d %H:%M} UTC"
    for message in chosen:
        message.due_at = due_at
        # "release at" undoes an earlier "release now": the window applies again.
        context = {key: value for key, value in message.context.items() if key != RELEASED_NOW}
        if asked.action == "release now":
            message.context = {**context, RELEASED_NOW: now.isoformat()}
            message.status_reason = f"{note}, to go now: {asked.reason}"
        else:
            message.context = context
            message.status_reason = (
                f"{note}, to go from {due_at:%Y-%m-%d %H:%M} UTC: {asked.reason}"
            )
    return {"released": len(chosen), "held_released": len(held), "due_at": due_at.isoformat()}


@task(name="release-messages", cache_policy=NO_CACHE)
def release_chosen(asked: Release, clock: Clock) -> dict[str, Any]:
    """Release the messages `asked` chooses, in one transaction; return how many and when
    (see `release`)."""
    with transaction(for_writing(app_engine())) as session:
        return release(session, asked, get_settings(), clock.now())


@task(name="cancel-campaign", cache_policy=NO_CACHE)
def cancel_chosen(asked: Release, clock: Clock) -> dict[str, Any]:
    """Cancel the campaign `asked` names as `continuity campaign cancel` does, with who
    and why; return its messages by status. Raises `ReleaseError` for an unknown one."""
    assert asked.campaign is not None, "checked by Release"
    with transaction(app_engine()) as session:
        _known_campaign(session, asked.campaign)
    said = f"by {asked.by}: {asked.reason}"
    return {"campaign": asked.campaign, **cancel_campaign(asked.campaign, clock, said)}


def _due_at(asked: Release, now: datetime) -> datetime:
    if asked.at is None:
        return now
    if asked.at.tzinfo is None:
        raise ReleaseError("release at: give the time with its time zone (e.g. 09:00Z)")
    at = asked.at.astimezone(UTC)
    if not now < at <= now + FURTHEST:
        raise ReleaseError(
            f"release at {at:%Y-%m-%d %H:%M} UTC: give a time after now and within a year"
        )
    return at


def _known_campaign(session: Session, campaign_id: int | None) -> None:
    if campaign_id is not None and session.get(Campaign, campaign_id) is None:
        raise ReleaseError(f"no campaign {campaign_id}; `continuity campaign list` shows them")
