"""Local capacity over time (guidance §3): check-in answers on whether local actors can
sustain the results, followed per partnership. An "insufficient" answer (2 of 5 or less)
or a decline since the previous check-in puts the partnership on the at-risk list with
the answers that caused it, and notifies its UNICEF focal points once per such answer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from db.models import Message, Partner, Partnership, Response, TouchpointKind
from db.relationship import current_checkin_answers
from tasks.outbox.planning import Planned
from tasks.responses.forms import Answers
from tasks.staff.focal_points import focal_points_of
from tasks.touchpoints.touchpoint import Touchpoint

KIND = TouchpointKind.CAPACITY_ALERT
INSUFFICIENT = 2
HORIZON = timedelta(days=3 * 365)


@dataclass(frozen=True)
class CapacityConcern:
    """Why a partnership's local capacity is at risk, and the answers that say so."""

    partnership: Partnership
    partner: Partner
    reasons: list[str]
    causes: list[Response]
    history: list[tuple[str, int]]

    @property
    def level(self) -> int:
        return capacity_of(self.causes[0]) or 0

    @property
    def previous(self) -> int | None:
        """The capacity given at the earlier check-in, when it was higher."""
        return capacity_of(self.causes[1]) if len(self.causes) > 1 else None

    @property
    def key(self) -> str:
        """The occurrence of the notice: the check-in and the level it gave, so that a
        corrected answer at the same level raises no second notice."""
        cause = self.causes[0]
        return f"{KIND}:partnership{self.partnership.id}:{occurrence_of(cause)}:level{self.level}"


def capacity_of(response: Response) -> int | None:
    value = response.answers.get("capacity")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def occurrence_of(response: Response) -> str:
    return response.message.occurrence_key if response.message else f"response{response.id}"


def concern(answers: list[Response]) -> tuple[list[str], list[Response]] | None:
    """Return the reasons and the causing answers (latest check-in's first) for a
    partnership's check-in answers in time order, or None when its capacity is not at
    risk. Each check-in counts by its lowest answer; a decline compares the latest
    check-in with the one before it."""
    by_occurrence: dict[str, list[Response]] = {}
    for answer in answers:
        if capacity_of(answer) is not None:
            by_occurrence.setdefault(occurrence_of(answer), []).append(answer)
    lowest = [min(group, key=lambda a: capacity_of(a) or 0) for group in by_occurrence.values()]
    if not lowest:
        return None
    latest = lowest[-1]
    level = capacity_of(latest) or 0
    reasons, causes = [], [latest]
    if level <= INSUFFICIENT:
        reasons.append(f"local capacity {level}/5")
    if len(lowest) > 1 and level < (before := capacity_of(lowest[-2]) or 0):
        reasons.append(f"local capacity fell from {before}/5 to {level}/5")
        causes.append(lowest[-2])
    return (reasons, causes) if reasons else None


def concerns(session: Session, now: datetime) -> list[CapacityConcern]:
    """Return every partnership whose local capacity is at risk at `now`."""
    by_partnership: dict[int, tuple[Partnership, Partner, list[Response]]] = {}
    for response, partnership, partner in reversed(current_checkin_answers(session, now - HORIZON)):
        by_partnership.setdefault(partnership.id, (partnership, partner, []))[2].append(response)
    found = []
    for partnership, partner, answers in by_partnership.values():
        if (result := concern(answers)) is not None:
            history = [
                (f"{answer.received_at:%Y-%m-%d}", capacity_of(answer) or 0)
                for answer in answers
                if capacity_of(answer) is not None
            ]
            found.append(CapacityConcern(partnership, partner, *result, history))
    return sorted(found, key=lambda item: item.partnership.reference_number)


class CapacityAlert(Touchpoint[Answers]):
    """Notifies a partnership's UNICEF focal points that its local capacity is at risk;
    it asks no answer."""

    kind = KIND
    quotes_people = True
    scheduled = True

    def due(
        self, session: Session, as_of: datetime, reminder_delays: tuple[int, ...]
    ) -> Iterator[Planned]:
        """Yield one notice per reachable focal point for each concern; the occurrence is
        the check-in and level that raised it, so a partnership is notified once, not at
        every run."""
        for found in concerns(session, as_of):
            context = {
                "level": found.level,
                "previous": found.previous,
                "history": found.history,
                "response_ids": [cause.id for cause in found.causes],
            }
            for contact in focal_points_of(session, found.partnership).reachable:
                yield Planned(contact, KIND, found.key, found.partnership, context)

    def context(self, session: Session, message: Message, cache: dict[Any, Any]) -> dict[str, Any]:
        causes = [session.get_one(Response, ident) for ident in message.context["response_ids"]]
        assert message.partnership is not None
        return {
            "partner_name": message.partnership.partner.name,
            "level": message.context["level"],
            "previous": message.context["previous"],
            "insufficient": message.context["level"] <= INSUFFICIENT,
            "history": [
                {"day": day, "capacity": level} for day, level in message.context["history"]
            ],
            "answers": [
                {
                    "received_at": cause.received_at,
                    "capacity": capacity_of(cause),
                    "sustained": cause.answers.get("sustained", ""),
                    "support_needed": cause.answers.get("support_needed", ""),
                    "contact": cause.contact.name if cause.contact else "",
                }
                for cause in causes
            ],
        }
