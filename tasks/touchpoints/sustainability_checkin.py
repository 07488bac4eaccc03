"""Sustainability check-ins: on each plan's cadence after closure, ask whether results last."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field
from sqlalchemy.orm import Session

from db.models import FollowUpPlan, Message, Response, TouchpointKind
from db.plans import contacts_of, due_plans_of_kind
from tasks.cadence import next_due_after, trigger_for
from tasks.outbox.planning import Planned
from tasks.responses.forms import Answers, Clean, Text
from tasks.staff.influence import register
from tasks.touchpoints.touchpoint import Reader, Touchpoint

KIND = TouchpointKind.SUSTAINABILITY_CHECKIN
MAX_SUPPORTERS = 8
# Supporter rows the check-in page shows open; the others are a click away.
SHOWN_SUPPORTERS = 4


class Supporter(Clean):
    name: Annotated[str, Field(min_length=1, max_length=256)]
    kind: Literal["person", "body"] = "person"
    role: Annotated[str, Field(max_length=512)] = ""


class CheckinAnswers(Answers):
    sustained: Literal["yes", "partly", "no"]
    capacity: Annotated[int, Field(ge=1, le=5)]
    supporters: list[Supporter] = Field(default_factory=list, max_length=MAX_SUPPORTERS)
    support_needed: Text = ""
    news: Text = ""
    policy_changes: Text = ""
    comment: Text = ""

    @classmethod
    def posted_data(cls, fields: Mapping[str, str]) -> dict[str, Any]:
        """The fields, the supporters as the rows of the form's table (a posted
        "supporters" field is text, not rows)."""
        return dict(fields) | {"supporters": supporters_from(fields)}


def supporters_from(form: Mapping[str, str]) -> list[dict[str, str]]:
    """Return the filled rows of the supporters table (`supporter-N-name|kind|role`)."""
    rows = []
    for index in range(MAX_SUPPORTERS):
        name = form.get(f"supporter-{index}-name", "").strip()
        if name:
            rows.append(
                {
                    "name": name,
                    "kind": form.get(f"supporter-{index}-kind", "person"),
                    "role": form.get(f"supporter-{index}-role", ""),
                }
            )
    return rows


def latest_occurrence(plan: FollowUpPlan, as_of: datetime) -> datetime:
    """Return the plan's last occurrence at or before `as_of`: missed occurrences (after
    downtime, or for a partnership imported late) coalesce into the latest one."""
    assert plan.next_due_at is not None
    trigger = trigger_for(
        plan.cadence, plan.partnership.partner.time_zone, plan.starts_at, plan.ends_at
    )
    occurrence = plan.next_due_at
    while (following := next_due_after(trigger, occurrence)) is not None and following <= as_of:
        occurrence = following
    return occurrence


def advance(plan: FollowUpPlan, as_of: datetime) -> None:
    """Move the plan's next due time past `as_of`; a plan with no occurrence left ends."""
    trigger = trigger_for(
        plan.cadence, plan.partnership.partner.time_zone, plan.starts_at, plan.ends_at
    )
    plan.next_due_at = next_due_after(trigger, as_of)
    if plan.next_due_at is None:
        plan.active = False


class SustainabilityCheckin(Touchpoint[CheckinAnswers]):
    """Asks whether results last and who supports them; reminded until answered. The
    answers feed the at-risk list (capacity) and the register of spheres of influence."""

    kind = KIND
    form = CheckinAnswers
    page = "sustainability_checkin"
    scheduled = True
    reminded = True

    def due(
        self, session: Session, as_of: datetime, reminder_delays: tuple[int, ...]
    ) -> Iterator[Planned]:
        """Yield one check-in per contact of every partnership whose check-in is due, and
        advance those plans."""
        for plans in due_plans_of_kind(session, KIND, as_of):
            for plan in plans:
                occurrence = latest_occurrence(plan, as_of)
                key = f"{KIND}:plan{plan.id}:{occurrence.date().isoformat()}"
                context = {"plan_id": plan.id, "occurrence": occurrence.isoformat()}
                for contact in contacts_of(plan.partnership.partner):
                    yield Planned(contact, KIND, key, plan.partnership, context)
                advance(plan, as_of)

    def context(self, session: Session, message: Message, cache: dict[Any, Any]) -> dict[str, Any]:
        """Check-ins need nothing beyond the shared context (the partnership)."""
        return {"occurrence": message.context.get("occurrence")}

    def page_context(
        self, session: Session, message: Message, reader: Reader, values: dict[str, Any]
    ) -> dict[str, Any]:
        """The supporters table: as many rows as the form takes (the page works without
        JavaScript, so it cannot add rows), the first `SHOWN_SUPPORTERS` open and the others
        folded until asked for (or filled); their number as the reader's language writes it."""
        return {
            "max_supporters": MAX_SUPPORTERS,
            "max_supporters_text": reader.number(MAX_SUPPORTERS),
            "shown_supporters": SHOWN_SUPPORTERS,
        }

    def answered(
        self, session: Session, response: Response, answers: CheckinAnswers, now: datetime
    ) -> None:
        """Put the supporters named into the partnership's register."""
        if response.partnership_id is None:
            return
        for supporter in answers.supporters:
            register(
                session,
                response.partnership_id,
                supporter.name,
                supporter.kind,
                supporter.role,
                "check-in",
                response.id,
            )
