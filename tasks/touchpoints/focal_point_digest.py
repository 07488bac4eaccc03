"""Focal-point digests: once a day, each UNICEF focal point of a partnership gets one mail
with the partner messages about it they have not had yet, and, once, those still unhandled
past the answer-within limit. Nothing new, no mail. The partnerships whose messages no
focal point can receive are listed by tasks/reports/partner_messages.py instead."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session

from db.models import Contact, Message, Partnership, Response, ResponseChannel, TouchpointKind
from db.outbox import recipients_of
from db.partner_messages import (
    add_notices,
    notices_of,
    partner_messages_by_id,
    release_undelivered_notices,
    unhandled_messages,
)
from tasks.calendars import Calendars
from tasks.outbox.planning import Planned
from tasks.outbox.render import one_line, shortened
from tasks.responses.forms import Answers
from tasks.responses.partner_messages import partner_of
from tasks.settings import get_settings
from tasks.staff.focal_points import focal_points_of
from tasks.touchpoints.touchpoint import Touchpoint
from tasks.working_days import waited_longer_than

KIND = TouchpointKind.FOCAL_POINT_DIGEST
MAX_MAILTO_SUBJECT = 200
# A digest tells what partners wrote lately. Older unhandled messages (those of before an
# upgrade, those of a partnership whose focal point was registered late) are not mailed
# as news: the relationship report lists them as waiting, and `response list` shows them.
HORIZON = timedelta(days=30)


@dataclass(frozen=True)
class Digest:
    """What one focal point is told in one digest (response ids): the messages new to
    them, those of earlier digests still unhandled past the limit, and which of the new
    ones are already past it (told once: they never come back as reminders)."""

    new: list[int]
    reminders: list[int]
    late: list[int]

    def context(self, answer_within_days: int) -> dict[str, Any]:
        """Return what the outbox row keeps of the digest: ids and the limit, no words."""
        return {
            "new": self.new,
            "reminders": self.reminders,
            "late": self.late,
            "answer_within_days": answer_within_days,
        }


def occurrence_key(as_of: datetime) -> str:
    """Return the key of the digest of `as_of`'s day (UTC): one digest a day at most."""
    return f"{KIND}:{as_of.astimezone(UTC).date().isoformat()}"


def reachable_focal_points(session: Session, partnership: Partnership) -> list[Contact]:
    """Return the partnership's focal points that mail may go to: in the staff directory,
    neither opted out nor suppressed."""
    return [c for c in focal_points_of(session, partnership).reachable if c.is_reachable]


def messages_by_focal_point(
    session: Session, messages: Sequence[Response]
) -> list[tuple[Contact, list[Response]]]:
    """Return each reachable focal point with the `messages` about their partnerships, in
    the order given (a partnership with none is left out here)."""
    by_partnership: dict[int, list[Response]] = {}
    for message in messages:
        assert message.partnership_id is not None
        by_partnership.setdefault(message.partnership_id, []).append(message)
    found: dict[int, tuple[Contact, list[Response]]] = {}
    for about in by_partnership.values():
        assert about[0].partnership is not None
        for contact in reachable_focal_points(session, about[0].partnership):
            found.setdefault(contact.id, (contact, []))[1].extend(about)
    return list(found.values())


def digest_of(
    contact_id: int,
    messages: Sequence[Response],
    notices: set[tuple[int, int, bool]],
    as_of: datetime,
    answer_within_days: int,
    calendars: Calendars,
) -> Digest:
    """Return what the focal point is to be told of `messages` at `as_of`, given the
    `notices` (response, contact, reminder) already given. A message is late after
    `answer_within_days` working days of its partner's country."""

    def late(message: Response) -> bool:
        partner = partner_of(message)
        calendar = calendars.of(partner.country if partner else None)
        return waited_longer_than(message.received_at, as_of, answer_within_days, calendar)

    new = [m for m in messages if (m.id, contact_id, False) not in notices]
    reminders = [
        m
        for m in messages
        if (m.id, contact_id, False) in notices
        and (m.id, contact_id, True) not in notices
        and late(m)
    ]
    return Digest([m.id for m in new], [m.id for m in reminders], [m.id for m in new if late(m)])


def mailto(address: str, subject: str) -> str:
    """Return a mailto link writing to `address` with `subject`, both percent-encoded:
    a '?', '&', '%' or line break in either stays data (no extra header, no second
    recipient)."""
    subject = shortened(one_line(subject).strip(), MAX_MAILTO_SUBJECT)
    return f"mailto:{quote(address, safe='@')}?subject={quote(subject, safe='')}"


def reply_subject(message: Response) -> str:
    """Return the subject of an answer to `message`: its own subject (an e-mail reply's)
    or the partnership's title, after "Re: "."""
    email = message.channel == ResponseChannel.EMAIL
    subject = message.answers.get("subject") if email else None
    if not isinstance(subject, str) or not subject.strip():
        assert message.partnership is not None
        subject = f"{message.partnership.title} ({message.partnership.reference_number})"
    subject = one_line(subject).strip()
    return subject if subject[:3].casefold() == "re:" else f"Re: {subject}"


def shown(message: Response, late: bool) -> dict[str, Any]:
    """Return what the templates show of one partner message."""
    contact = message.contact
    address = contact.email if contact and contact.email else ""
    return {
        "id": message.id,
        "author": contact.name if contact else "",
        "address": address,
        "mailto": mailto(address, reply_subject(message)) if address else "",
        "received_at": message.received_at,
        "channel": str(message.channel),
        "kind": message.kind,
        "words": message.words,
        "late": late,
        "handled": message.handled_at is not None,
        "handled_by": message.handled_by,
    }


def by_partnership(messages: Sequence[Response], late: set[int]) -> list[dict[str, Any]]:
    """Return the messages grouped by partnership, in the order given."""
    groups: dict[int | None, dict[str, Any]] = {}
    for message in messages:
        partnership = message.partnership
        assert partnership is not None
        group = groups.setdefault(
            partnership.id,
            {
                "reference": partnership.reference_number,
                "title": partnership.title,
                "partner": partnership.partner.name,
                "messages": [],
            },
        )
        group["messages"].append(shown(message, message.id in late))
    return list(groups.values())


class FocalPointDigest(Touchpoint[Answers]):
    """Tells focal points what partners wrote about their partnerships; asks no answer."""

    kind = KIND
    quotes_people = True
    scheduled = True

    def due(
        self, session: Session, as_of: datetime, reminder_delays: tuple[int, ...]
    ) -> Iterator[Planned]:
        """Yield one digest per reachable focal point with something to tell at `as_of`,
        noting what it tells. A focal point who had today's digest gets none: what came
        since waits for tomorrow's. What an undelivered digest held is told again."""
        release_undelivered_notices(session)
        recent = unhandled_messages(session, as_of - HORIZON, as_of)
        waiting = [message for message in recent if message.partnership_id is not None]
        if not waiting:
            return
        key, days = occurrence_key(as_of), get_settings().answer_within_days
        notices = notices_of(session, [message.id for message in waiting])
        had_today, calendars = recipients_of(session, key), Calendars(session)
        for contact, messages in messages_by_focal_point(session, waiting):
            digest = digest_of(contact.id, messages, notices, as_of, days, calendars)
            if contact.id in had_today or not (digest.new or digest.reminders):
                continue
            add_notices(session, contact.id, key, digest.new, False, as_of)
            add_notices(session, contact.id, key, [*digest.reminders, *digest.late], True, as_of)
            yield Planned(contact, KIND, key, context=digest.context(days))

    def context(self, session: Session, message: Message, cache: dict[Any, Any]) -> dict[str, Any]:
        """The messages as they are now: one handled since planning shows who handled it;
        one a later revision replaced shows the words it was told with (a revision that
        says the same was noted as told too; one that says more comes in a later digest)."""
        told = message.context
        idents = told["new"] + told["reminders"]
        found = {m.id: m for m in partner_messages_by_id(session, idents, replaced_too=True)}
        new = [found[ident] for ident in told["new"] if ident in found]
        reminders = [found[ident] for ident in told["reminders"] if ident in found]
        return {
            "new": by_partnership(new, set(told["late"])),
            "reminders": by_partnership(reminders, set()),
            "new_count": len(new),
            "reminder_count": len(reminders),
            "answer_within_days": told["answer_within_days"],
            "time_zone": get_settings().timezone,
        }
