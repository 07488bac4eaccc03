"""Helpers for tests that drive the pipeline stages directly, without Prefect."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import joinedload

from db.engine import transaction
from db.models import Contact, Message, TouchpointKind
from tasks.planning import PlanCounts, plan_messages
from tasks.sending_window import parse_window
from tasks.touchpoints import due_messages

ALWAYS_OPEN = parse_window("mon-sun 00:00-23:59")


def plan(
    engine: Engine, kind: TouchpointKind, as_of: datetime, window=ALWAYS_OPEN, delays=(7, 14)
) -> PlanCounts:
    with transaction(engine) as session:
        return plan_messages(
            session, due_messages(session, kind, as_of, delays), None, as_of, window
        )


def messages(engine: Engine, **where) -> list[Message]:
    with transaction(engine) as session:
        query = (
            select(Message)
            .filter_by(**where)
            .options(
                joinedload(Message.contact).joinedload(Contact.partner),
                joinedload(Message.partnership),
            )
            .order_by(Message.id)
        )
        return list(session.scalars(query).unique())
