"""Policy and priority digests: per partner, the updates staff recorded that it has not had."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from db.models import DigestItem, FollowUpPlan, Message, TouchpointKind
from db.plans import contacts_of, due_plans_of_kind
from db.staff import unsent_updates, updates_by_id
from tasks.outbox.planning import Planned
from tasks.responses.forms import NewsAnswers
from tasks.touchpoints.sustainability_checkin import advance, latest_occurrence
from tasks.touchpoints.touchpoint import Touchpoint

KIND = TouchpointKind.POLICY_DIGEST


def _digest(session: Session, plans: list[FollowUpPlan], as_of: datetime) -> Iterator[Planned]:
    partner = plans[0].partnership.partner
    ended = min(plan.partnership.end_date for plan in plans if plan.partnership.end_date)
    since = datetime.combine(ended, time(), tzinfo=ZoneInfo(partner.time_zone))
    updates = [
        update
        for update in unsent_updates(session, partner.id, since, as_of)
        if any(plan.partnership.in_audience(update.countries, update.sections) for plan in plans)
    ]
    if not updates:
        return
    occurrence = max(latest_occurrence(plan, as_of) for plan in plans)
    key = f"{KIND}:partner{partner.id}:{occurrence.date().isoformat()}"
    _record_items(session, [update.id for update in updates], partner.id, key)
    context = {"update_ids": [update.id for update in updates]}
    for contact in contacts_of(partner):
        yield Planned(contact, KIND, key, plans[0].partnership, context)


def _record_items(session: Session, update_ids: list[int], partner_id: int, key: str) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    rows = [{"update_id": u, "partner_id": partner_id, "occurrence_key": key} for u in update_ids]
    session.execute(insert(DigestItem).values(rows).on_conflict_do_nothing())


class PolicyDigest(Touchpoint[NewsAnswers]):
    """Sends each partner the updates it has not had; partners may send news back."""

    kind = KIND
    form = NewsAnswers
    page = "news"
    scheduled = True

    def due(
        self, session: Session, as_of: datetime, reminder_delays: tuple[int, ...]
    ) -> Iterator[Planned]:
        """Yield one digest per partner whose digest is due and who has updates it has not
        had; record those updates as sent to it. No digest when there is nothing new."""
        for plans in due_plans_of_kind(session, KIND, as_of):
            by_partner: dict[int, list[FollowUpPlan]] = {}
            for plan in plans:
                by_partner.setdefault(plan.partnership.partner_id, []).append(plan)
            for partner_plans in by_partner.values():
                yield from _digest(session, partner_plans, as_of)
                for plan in partner_plans:
                    advance(plan, as_of)

    def context(self, session: Session, message: Message, cache: dict[Any, Any]) -> dict[str, Any]:
        ids = tuple(message.context["update_ids"])
        key = ("updates", ids)
        if key not in cache:
            cache[key] = [
                {
                    "category": str(update.category),
                    "title": update.title,
                    "body": update.body,
                    "published_at": update.published_at,
                }
                for update in updates_by_id(session, ids)
            ]
        return {"updates": cache[key]}
