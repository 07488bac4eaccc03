"""The render check renders once per distinct content, and still finds the one message that
does not render: its own partnership, or its own name in the subject."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select, update

from continuity.settings import get_settings
from db.engine import transaction
from db.models import Contact, Message, Partnership, TouchpointKind
from tasks import render_check
from tasks.adhoc import AdhocCampaign
from tasks.campaigns import campaign_of, plan_campaign
from tasks.render import RenderError
from tasks.render_check import check_planned, content_key
from tests.pipeline import messages, plan

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN


def counting_renders(monkeypatch) -> Counter[int]:
    """Count the render check's renders, by message id."""
    rendered: Counter[int] = Counter()
    real = render_check.render_message

    def counted(session, env, message, *args):
        rendered[message.id] += 1
        return real(session, env, message, *args)

    monkeypatch.setattr(render_check, "render_message", counted)
    return rendered


def planned_campaign(engine: Engine, subject: str) -> int:
    params = AdhocCampaign.model_validate(
        {
            "name": "Check",
            "dry_run": False,
            "content": {"en": {"subject": subject, "body": "Dear {{ contact.name }}, news."}},
        }
    )
    with transaction(engine) as session:
        campaign = campaign_of(session, params, NOW)
        plan_campaign(session, campaign, params, NOW, get_settings())
        return campaign.id


def test_each_distinct_content_is_rendered_once(imported: Engine, app_env, monkeypatch) -> None:
    plan(imported, CHECKIN, NOW)
    planned = messages(imported, kind=CHECKIN, status="planned")
    distinct = {content_key(message) for message in planned}
    assert len(distinct) < len(planned)  # several contacts share a partnership
    rendered = counting_renders(monkeypatch)
    with transaction(imported) as session:
        check = check_planned(session, get_settings(), [CHECKIN])
    assert check.rendered == len(planned)
    assert sum(rendered.values()) == len(distinct)


def test_one_partnership_that_breaks_the_subject_is_found(imported: Engine, app_env) -> None:
    plan(imported, CHECKIN, NOW)
    planned = messages(imported, kind=CHECKIN, status="planned")
    broken = planned[-1].partnership_id
    with transaction(imported) as session:
        session.execute(
            update(Partnership).where(Partnership.id == broken).values(title="A\r\nBcc: x@y.org")
        )
    with (
        pytest.raises(RenderError, match=r"subject\.txt.*one line") as raised,
        transaction(imported) as session,
    ):
        check_planned(session, get_settings(), [CHECKIN])
    failing = {m.id for m in planned if m.partnership_id == broken}
    assert str(raised.value).count("message ") == len(failing)
    assert all(f"message {message_id} " in str(raised.value) for message_id in failing)


def test_a_name_in_the_subject_is_checked_for_every_contact(
    imported: Engine, app_env, monkeypatch
) -> None:
    campaign_id = planned_campaign(imported, "News for {{ contact.name }}")
    planned = messages(imported, campaign_id=campaign_id, status="planned")
    rendered = counting_renders(monkeypatch)
    with transaction(imported) as session:
        check_planned(session, get_settings(), [TouchpointKind.ADHOC], campaign_id=campaign_id)
    assert set(rendered) == {message.id for message in planned}
    long_named = planned[1]
    with transaction(imported) as session:
        contact = session.scalars(select(Contact).where(Contact.id == long_named.contact_id)).one()
        contact.name = "N" * 245
    with (
        pytest.raises(RenderError, match="subject") as raised,
        transaction(imported) as session,
    ):
        check_planned(session, get_settings(), [TouchpointKind.ADHOC], campaign_id=campaign_id)
    assert str(raised.value).count("message ") == 1
    assert f"message {long_named.id} " in str(raised.value)


def test_a_name_outside_the_subject_shares_the_check(imported: Engine, app_env) -> None:
    campaign_id = planned_campaign(imported, "News for {{ partner.short_name }}")
    with transaction(imported) as session:
        planned = session.scalars(select(Message).where(Message.campaign_id == campaign_id)).all()
        keys = {content_key(message) for message in planned}
        assert len(keys) < len(planned)
        check = check_planned(
            session, get_settings(), [TouchpointKind.ADHOC], campaign_id=campaign_id
        )
    assert check.rendered == sum(1 for m in planned if m.status == "planned")
