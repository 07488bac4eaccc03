"""The data model, one module per entity group; every name is importable from `db.models`."""

from db.models.acknowledgements import Acknowledgement
from db.models.base import NAMING, Base, Timestamped, utcnow
from db.models.calendars import CalendarDay, WorkingWeek
from db.models.corrective import CorrectiveEvent, CorrectiveMeasure, CorrectivePlan
from db.models.erasures import ErasedAddress
from db.models.outbox import Campaign, Message
from db.models.partners import (
    DEFAULT_ROLE,
    ROLE_LENGTH,
    SOFT_BOUNCE_LIMIT,
    SOFT_BOUNCE_SPAN,
    Contact,
    ContactEvent,
    Partner,
)
from db.models.partnerships import FollowUpPlan, ImportRun, Partnership
from db.models.responses import (
    LISTED,
    NOT_ANSWERS,
    REVISED,
    WORD_FIELDS,
    InboundMail,
    InboxMark,
    InfluenceEntry,
    PartnerMessageNotice,
    Response,
    partner_words,
)
from db.models.staff_records import (
    ConsultationEvent,
    DigestItem,
    Evaluation,
    EvaluationContributor,
    PolicyUpdate,
)
from db.models.states import (
    ENDED_STATUSES,
    FINAL_STATUSES,
    InterventionStatus,
    MeasureStatus,
    MessageStatus,
    ResponseChannel,
    TouchpointKind,
    UpdateCategory,
)

__all__ = [
    "DEFAULT_ROLE",
    "ENDED_STATUSES",
    "FINAL_STATUSES",
    "LISTED",
    "NAMING",
    "NOT_ANSWERS",
    "REVISED",
    "ROLE_LENGTH",
    "SOFT_BOUNCE_LIMIT",
    "SOFT_BOUNCE_SPAN",
    "WORD_FIELDS",
    "Acknowledgement",
    "Base",
    "CalendarDay",
    "Campaign",
    "ConsultationEvent",
    "Contact",
    "ContactEvent",
    "CorrectiveEvent",
    "CorrectiveMeasure",
    "CorrectivePlan",
    "DigestItem",
    "ErasedAddress",
    "Evaluation",
    "EvaluationContributor",
    "FollowUpPlan",
    "ImportRun",
    "InboundMail",
    "InboxMark",
    "InfluenceEntry",
    "InterventionStatus",
    "MeasureStatus",
    "Message",
    "MessageStatus",
    "Partner",
    "PartnerMessageNotice",
    "Partnership",
    "PolicyUpdate",
    "Response",
    "ResponseChannel",
    "Timestamped",
    "TouchpointKind",
    "UpdateCategory",
    "WorkingWeek",
    "partner_words",
    "utcnow",
]
