"""Which module knows who is due, and what a template needs, for each touchpoint kind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db.models import Message, TouchpointKind
from tasks.acknowledgements import register as acknowledgements
from tasks.corrective import followup as corrective_followup
from tasks.outbox.planning import Planned
from tasks.touchpoints import (
    adhoc,
    capacity_alert,
    consultation_invitation,
    evaluation_followup,
    policy_digest,
    reminder,
    sustainability_checkin,
)

ContextLoader = Callable[[Session, Message, dict[Any, Any]], dict[str, Any]]

CONTEXT_LOADERS: dict[TouchpointKind, ContextLoader] = {
    TouchpointKind.SUSTAINABILITY_CHECKIN: sustainability_checkin.context,
    TouchpointKind.CONSULTATION_INVITATION: consultation_invitation.context,
    TouchpointKind.POLICY_DIGEST: policy_digest.context,
    TouchpointKind.EVALUATION_FOLLOWUP: evaluation_followup.context,
    TouchpointKind.REMINDER: reminder.context,
    TouchpointKind.ADHOC: adhoc.context,
    TouchpointKind.CORRECTIVE_ACTION: corrective_followup.context,
    TouchpointKind.CORRECTIVE_ESCALATION: corrective_followup.escalation_context,
    TouchpointKind.CAPACITY_ALERT: capacity_alert.context,
    TouchpointKind.ACKNOWLEDGEMENT: acknowledgements.context,
}


def sent_kinds(kind: TouchpointKind) -> list[TouchpointKind]:
    """Return the kinds a run of `kind` plans and sends: itself, and for corrective
    actions the escalations too."""
    if kind == TouchpointKind.CORRECTIVE_ACTION:
        return [kind, TouchpointKind.CORRECTIVE_ESCALATION]
    return [kind]


def due_messages(
    session: Session, kind: TouchpointKind, as_of: datetime, reminder_delays: tuple[int, ...]
) -> Iterator[Planned]:
    """Yield the messages of `kind` due at `as_of` (advancing the plans involved); the
    corrective-action follow-up yields its escalations too."""
    if kind == TouchpointKind.REMINDER:
        return reminder.due(session, as_of, reminder_delays)
    selectors = {
        TouchpointKind.SUSTAINABILITY_CHECKIN: sustainability_checkin.due,
        TouchpointKind.CONSULTATION_INVITATION: consultation_invitation.due,
        TouchpointKind.POLICY_DIGEST: policy_digest.due,
        TouchpointKind.EVALUATION_FOLLOWUP: evaluation_followup.due,
        TouchpointKind.CORRECTIVE_ACTION: corrective_followup.due,
        TouchpointKind.CAPACITY_ALERT: capacity_alert.due,
        TouchpointKind.ACKNOWLEDGEMENT: acknowledgements.due,
    }
    if kind not in selectors:
        raise ValueError(f"{kind} has no schedule of its own")
    return selectors[kind](session, as_of)
