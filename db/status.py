"""The counts `continuity status` shows. Takes a session and never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Contact, ImportRun, Message, Partner, Partnership, Response
from db.partner_messages import IS_LISTED
from db.partnerships import count_due_plans


def status_counts(session: Session, as_of: datetime) -> dict[str, Any]:
    """Return one JSON-ready mapping of what the database holds at `as_of`.

    Keys: partners, contacts, contacts_reachable, contacts_opted_out, contacts_suppressed
    (partners' contacts, not staff), staff_directory (staff addresses: focal points, test
    recipients), partnerships, partnerships_by_status, plans_due, messages_by_status,
    responses, partner_messages_unhandled (answers with a partner's words nobody has
    handled yet), last_import (ISO time or None).
    """
    last_import = session.scalar(select(func.max(ImportRun.imported_at)))
    partners_contact = ~Contact.is_staff
    return {
        "partners": _count(session, Partner, ~Partner.is_unicef),
        "contacts": _count(session, Contact, partners_contact),
        "contacts_reachable": _count(session, Contact, partners_contact, Contact.is_reachable),
        "contacts_opted_out": _count(
            session, Contact, partners_contact, Contact.opted_out_at.is_not(None)
        ),
        "contacts_suppressed": _count(
            session, Contact, partners_contact, Contact.suppressed_at.is_not(None)
        ),
        "staff_directory": _count(session, Contact, Contact.is_staff, Contact.active),
        "partnerships": _count(session, Partnership),
        "partnerships_by_status": _grouped(session, Partnership.status),
        "plans_due": count_due_plans(session, as_of),
        "messages_by_status": _grouped(session, Message.status),
        "responses": _count(session, Response),
        "partner_messages_unhandled": _count(
            session, Response, IS_LISTED, Response.handled_at.is_(None)
        ),
        "last_import": last_import.isoformat() if last_import else None,
    }


def _count(session: Session, model: type[Any], *conditions: Any) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def _grouped(session: Session, column: Any) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).group_by(column).order_by(column))
    return {str(value): count for value, count in rows}
