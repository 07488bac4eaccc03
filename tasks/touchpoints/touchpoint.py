"""What a touchpoint kind is: who is due, what its templates need, what partners may answer
and what an answer does. One subclass per kind, each in its own module of this package
(mirroring templates/email/<kind>/), registered once in tasks/touchpoints/registry.py."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, Generic, TypeVar
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal
from sqlalchemy.orm import Session

from db.models import Message, Response, TouchpointKind
from tasks.outbox.planning import Planned
from tasks.outbox.render import local_datetime
from tasks.responses.forms import NO_FORM, Answers, FormError, Problem

A = TypeVar("A", bound=Answers)


@dataclass(frozen=True)
class Reader:
    """Who reads a portal page: the language and time zone its dates are shown in."""

    language: str
    time_zone: str

    def date(self, value: date | datetime | None) -> str:
        """Return `value` as a long date in the reader's language, a moment taken on the
        reader's calendar; "" for None."""
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(ZoneInfo(self.time_zone)).date()
        return format_date(value, format="long", locale=self.language)

    def moment(self, value: datetime | None) -> str:
        """Return `value` as a long date and time on the reader's clock, its zone named,
        in the reader's language; "" for None."""
        return local_datetime(value, self.time_zone, self.language) if value else ""

    def number(self, value: int) -> str:
        """Return `value` as the reader's language writes it ("4 000", "4,000")."""
        return format_decimal(value, locale=self.language)


class Touchpoint(ABC, Generic[A]):
    """One kind of message. `form` is what partners may answer on the portal (None: the
    message asks nothing), shown by templates/portal/<page>.html; `scheduled` kinds plan
    their own messages (`due`), the others are planned by another run (`also_sends`) or by
    a campaign; `reminded` kinds get reminders while they `still_ask`. A kind that
    `quotes_people` shows in its text people other than its recipient, or what partners
    wrote (owners, authors, their words, their addresses): previews show its subject
    only."""

    kind: ClassVar[TouchpointKind]
    form: type[A] | None = None
    page: ClassVar[str] = ""
    scheduled: ClassVar[bool] = False
    reminded: ClassVar[bool] = False
    also_sends: ClassVar[tuple[TouchpointKind, ...]] = ()
    quotes_people: ClassVar[bool] = False

    def due(
        self, session: Session, as_of: datetime, reminder_delays: tuple[int, ...]
    ) -> Iterator[Planned]:
        """Yield the messages due at `as_of`, advancing the plans involved; raise
        ValueError for a kind with no schedule of its own."""
        raise ValueError(f"{self.kind} has no schedule of its own")

    @abstractmethod
    def context(self, session: Session, message: Message, cache: dict[Any, Any]) -> dict[str, Any]:
        """Return what the kind's e-mail templates need beyond the shared context;
        `cache` keeps what several messages of one batch share."""

    def still_asks(self, session: Session, message: Message, as_of: datetime) -> bool:
        """True while the sent `message` still asks something at `as_of` (reminders stop
        when it no longer does)."""
        return True

    def answers_close(self, session: Session, message: Message, link_expires: datetime) -> datetime:
        """Return when answers to the sent `message` close: when its link expires, unless
        the kind closes them sooner."""
        return link_expires

    def answers_from(self, fields: Mapping[str, str]) -> A:
        """Return the answers posted in `fields`, validated; raise `FormError` naming each
        bad field, or when the kind asks nothing."""
        if self.form is None:
            raise FormError({"kind": Problem(NO_FORM, f"{self.kind} asks for no answer")})
        return self.form.parsed(fields)

    def page_context(
        self, session: Session, message: Message, reader: Reader, values: dict[str, Any]
    ) -> dict[str, Any]:
        """Return what the portal page shows besides the form and the shared facts, given
        the `values` its fields show."""
        return {}

    def answered(self, session: Session, response: Response, answers: A, now: datetime) -> None:
        """Do what an answer does besides being recorded as `response` (nothing here)."""

    def thanks_notice(self, session: Session, message: Message, answers: dict[str, Any]) -> str:
        """Return what the thank-you page adds after `answers` (an English message the
        portal translates, marked with `N_`), or "" for nothing."""
        return ""
