"""Every deployable flow, by its deployment name in prefect.yaml: the scheduled ones (which
`continuity run` runs too) and the forms staff fill in the Prefect UI."""

from __future__ import annotations

from typing import Any

from prefect import Flow

from flows.adhoc_campaign import adhoc_campaign
from flows.capacity_alerts import capacity_alerts
from flows.collect_responses import collect_responses
from flows.consultation_invitations import consultation_invitations
from flows.corrective_actions import corrective_actions
from flows.data_retention import data_retention
from flows.deliver_outbox import deliver_outbox
from flows.etools_sync import etools_sync
from flows.evaluation_followup import evaluation_followup
from flows.export_data import export_data
from flows.focal_point_digest import focal_point_digest
from flows.policy_updates import policy_updates
from flows.practice_forms import (
    record_acknowledgement_change,
    record_corrective_action,
    record_focal_point_address,
)
from flows.public_acknowledgements import public_acknowledgements
from flows.record_influence import record_influence_change
from flows.record_response import record_response
from flows.relationship_report import relationship_report
from flows.release_messages import release_messages
from flows.reminders import reminders
from flows.staff_forms import (
    record_consultation_event,
    record_evaluation_conclusions,
    record_policy_update,
    set_contact_language_form,
)
from flows.sustainability_checkins import sustainability_checkins

FLOWS: dict[str, Flow[..., dict[str, Any]]] = {
    "etools-sync": etools_sync,
    "consultation-invitations": consultation_invitations,
    "policy-updates": policy_updates,
    "sustainability-checkins": sustainability_checkins,
    "evaluation-followup": evaluation_followup,
    "reminders": reminders,
    "collect-responses": collect_responses,
    "deliver-outbox": deliver_outbox,
    "relationship-report": relationship_report,
    "corrective-actions": corrective_actions,
    "capacity-alerts": capacity_alerts,
    "public-acknowledgements": public_acknowledgements,
    "focal-point-digest": focal_point_digest,
    "data-retention": data_retention,
}

FORMS: dict[str, Flow[..., dict[str, Any]]] = {
    "record-response": record_response,
    "adhoc-campaign": adhoc_campaign,
    "record-consultation-event": record_consultation_event,
    "record-policy-update": record_policy_update,
    "record-evaluation": record_evaluation_conclusions,
    "record-influence": record_influence_change,
    "record-corrective-action": record_corrective_action,
    "record-acknowledgement": record_acknowledgement_change,
    "record-focal-point": record_focal_point_address,
    "set-contact-language": set_contact_language_form,
    "export-data": export_data,
    "release-messages": release_messages,
}
DEPLOYMENTS = {**FLOWS, **FORMS}
