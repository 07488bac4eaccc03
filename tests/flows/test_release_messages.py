"""The `release-messages` form in a real Prefect run: release now, cancel a campaign, an
unknown campaign refused; every field with a title and a description."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, update

from db.campaigns import campaign_for
from db.engine import transaction
from db.models import Message, MessageStatus, TouchpointKind
from flows.release_messages import release_messages
from tasks.outbox.planning import plan_messages
from tasks.outbox.releases import ReleaseError
from tasks.settings import get_settings
from tasks.touchpoints.registry import due_messages
from tests.pipeline import messages

pytestmark = pytest.mark.usefixtures("prefect_api")
CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
STAFF = {"by": "Amina Saleh", "reason": "the country office asked"}


@pytest.fixture
def campaign(imported: Engine, app_env) -> int:
    """The sample check-ins planned in one campaign, waiting three days; its id."""
    with transaction(imported) as session:
        found = campaign_for(session, CHECKIN, "check-ins", "check-ins:form")
        wanted = due_messages(session, CHECKIN, NOW, (7, 14))
        plan_messages(session, wanted, found.id, NOW, get_settings().window)
        later = datetime.now(UTC) + timedelta(days=3)
        session.execute(update(Message).values(due_at=later))
        return found.id


def test_it_releases_a_campaign_now(imported: Engine, campaign: int) -> None:
    done = release_messages(request={"action": "release now", "campaign": campaign, **STAFF})
    waiting = messages(imported, status=MessageStatus.PLANNED)
    assert done["released"] == len(waiting) > 0
    assert all(m.due_at <= datetime.now(UTC) and "released_now" in m.context for m in waiting)
    assert all("Amina Saleh" in m.status_reason for m in waiting)


def test_it_cancels_a_campaign_as_the_command_does(imported: Engine, campaign: int) -> None:
    done = release_messages(request={"action": "cancel campaign", "campaign": campaign, **STAFF})
    cancelled = messages(imported, status=MessageStatus.CANCELLED)
    assert done == {"campaign": campaign, "cancelled": len(cancelled)} and cancelled
    assert all(
        m.status_reason.endswith("by Amina Saleh: the country office asked") for m in cancelled
    )


def test_it_refuses_an_unknown_campaign(imported: Engine, campaign: int) -> None:
    with pytest.raises(ReleaseError, match="no campaign 4242"):
        release_messages(request={"action": "cancel campaign", "campaign": 4242, **STAFF})
    assert not messages(imported, status=MessageStatus.CANCELLED)


def test_every_field_of_the_form_has_a_title_and_a_description() -> None:
    schema = release_messages.parameters.model_dump()
    assert schema["properties"]["request"]["description"]
    fields = schema["definitions"]["Release"]["properties"]
    assert set(fields) == {"action", "campaign", "kind", "country", "at", "by", "reason"}
    for name, field in fields.items():
        assert field.get("title") and field.get("description"), name
