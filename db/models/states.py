"""The states and kinds the models take: partnership statuses, touchpoint kinds, message states."""

from __future__ import annotations

import enum


class InterventionStatus(enum.StrEnum):
    DRAFT = "draft"
    REVIEW = "review"
    SIGNATURE = "signature"
    SIGNED = "signed"
    ACTIVE = "active"
    CANCELLED = "cancelled"
    ENDED = "ended"
    CLOSED = "closed"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"
    EXPIRED = "expired"


# The statuses of a partnership that is over: the partners this product keeps in touch with.
ENDED_STATUSES = frozenset(
    {InterventionStatus.ENDED, InterventionStatus.CLOSED, InterventionStatus.TERMINATED}
)


class TouchpointKind(enum.StrEnum):
    CONSULTATION_INVITATION = "consultation_invitation"
    POLICY_DIGEST = "policy_digest"
    SUSTAINABILITY_CHECKIN = "sustainability_checkin"
    EVALUATION_FOLLOWUP = "evaluation_followup"
    REMINDER = "reminder"
    ADHOC = "adhoc"
    CORRECTIVE_ACTION = "corrective_action"
    CORRECTIVE_ESCALATION = "corrective_escalation"
    CAPACITY_ALERT = "capacity_alert"
    ACKNOWLEDGEMENT = "acknowledgement"
    FOCAL_POINT_DIGEST = "focal_point_digest"


class MessageStatus(enum.StrEnum):
    PLANNED = "planned"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    BOUNCED = "bounced"
    # Handed to the mail server by a process that stopped before recording the answer:
    # it may or may not have gone out, so it is not resent without a human decision.
    UNCONFIRMED = "unconfirmed"
    # Its run's render check failed: never claimed for delivery until staff release it
    # (`continuity outbox release`, which checks it again) or cancel it.
    HELD = "held"


FINAL_STATUSES = frozenset(
    {
        MessageStatus.SENT,
        MessageStatus.FAILED,
        MessageStatus.SKIPPED,
        MessageStatus.CANCELLED,
        MessageStatus.BOUNCED,
        MessageStatus.UNCONFIRMED,
    }
)


class UpdateCategory(enum.StrEnum):
    POLICY_CHANGE = "policy_change"
    NEW_PRIORITY = "new_priority"
    DEVELOPMENT = "development"


class ResponseChannel(enum.StrEnum):
    PORTAL = "portal"
    EMAIL = "email"
    PHONE = "phone"
    MEETING = "meeting"
    OTHER = "other"


class MeasureStatus(enum.StrEnum):
    PLANNED = "planned"
    ON_TRACK = "on_track"
    LATE = "late"
    DONE = "done"
    CANCELLED = "cancelled"
