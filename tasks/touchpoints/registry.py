"""Every touchpoint kind, registered once: the one place that knows which module does what
for each kind. Adding a kind is a module in this package (a `Touchpoint` subclass), its
templates (templates/email/<kind>/, and templates/portal/<page>.html when partners answer
it) and one line below. The kind modules never import this one."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db.models import Message, TouchpointKind
from tasks.outbox.planning import Planned
from tasks.responses.forms import Answers
from tasks.touchpoints import (
    acknowledgement,
    adhoc,
    capacity_alert,
    consultation_invitation,
    corrective_action,
    corrective_escalation,
    evaluation_followup,
    focal_point_digest,
    policy_digest,
    reminder,
    sustainability_checkin,
)
from tasks.touchpoints.touchpoint import Touchpoint


def reminded() -> list[Touchpoint[Any]]:
    """Return the touchpoints whose unanswered messages get reminders."""
    return [touchpoint for touchpoint in REGISTERED if touchpoint.reminded]


# Kinds with a schedule of their own run in this order (the demo follows it).
REGISTERED: tuple[Touchpoint[Any], ...] = (
    sustainability_checkin.SustainabilityCheckin(),
    consultation_invitation.ConsultationInvitation(),
    policy_digest.PolicyDigest(),
    evaluation_followup.EvaluationFollowup(),
    reminder.Reminder(of=reminded),
    corrective_action.CorrectiveAction(),
    capacity_alert.CapacityAlert(),
    acknowledgement.AcknowledgementRequest(),
    focal_point_digest.FocalPointDigest(),
    adhoc.Adhoc(),
    corrective_escalation.CorrectiveEscalation(),
)


def by_kind(touchpoints: tuple[Touchpoint[Any], ...]) -> dict[TouchpointKind, Touchpoint[Any]]:
    """Return the touchpoints by kind; raise ValueError when a kind is registered twice."""
    found: dict[TouchpointKind, Touchpoint[Any]] = {}
    for touchpoint in touchpoints:
        if touchpoint.kind in found:
            raise ValueError(f"{touchpoint.kind} is registered twice")
        found[touchpoint.kind] = touchpoint
    return found


TOUCHPOINTS = by_kind(REGISTERED)


def touchpoint(kind: TouchpointKind) -> Touchpoint[Any]:
    """Return what `kind` does (KeyError for a kind nobody registered)."""
    return TOUCHPOINTS[kind]


def sent_kinds(kind: TouchpointKind) -> list[TouchpointKind]:
    """Return the kinds a run of `kind` plans and sends: itself, and those it sends too
    (for corrective actions, the escalations)."""
    return [kind, *touchpoint(kind).also_sends]


def quotes_people(kind: TouchpointKind) -> bool:
    """True when `kind`'s text quotes people other than its recipient, or partners' words
    (previews then show its subject only)."""
    return touchpoint(kind).quotes_people


def due_messages(
    session: Session, kind: TouchpointKind, as_of: datetime, reminder_delays: tuple[int, ...]
) -> Iterator[Planned]:
    """Yield the messages of `kind` due at `as_of` (advancing the plans involved), and of
    the kinds it sends too; raise ValueError for a kind with no schedule of its own."""
    return touchpoint(kind).due(session, as_of, reminder_delays)


def scheduled_kinds() -> list[TouchpointKind]:
    """Return the kinds with a schedule of their own, in the order they run."""
    return [found.kind for found in REGISTERED if found.scheduled]


def forms() -> dict[TouchpointKind, type[Answers]]:
    """Return the form of each kind partners answer (the others ask nothing)."""
    return {found.kind: found.form for found in REGISTERED if found.form is not None}


def asking_kinds() -> list[TouchpointKind]:
    """Return the kinds whose messages ask for an answer: those with a form."""
    return list(forms())


def template_context(session: Session, message: Message, cache: dict[Any, Any]) -> dict[str, Any]:
    """Return what `message`'s e-mail templates need beyond the shared context."""
    return touchpoint(message.kind).context(session, message, cache)


def parse_answers(kind: TouchpointKind, fields: Mapping[str, str]) -> Answers:
    """Return the answers to `kind` posted in `fields`, validated; raise `FormError` naming
    each bad field, or when `kind` asks nothing."""
    return touchpoint(kind).answers_from(fields)
