"""The render check renders once per distinct content, and still finds the one message that
does not render: its own partnership, or its own name in the subject."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from db.engine import transaction
from db.models import Contact, Message, TouchpointKind
from tasks.campaigns.runs import campaign_of, plan_campaign
from tasks.outbox import render_check
from tasks.outbox.render import TEMPLATES, RenderError, environment
from tasks.outbox.render_check import check_planned, content_key
from tasks.settings import get_settings
from tasks.touchpoints.adhoc import AdhocCampaign
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


def use_templates(monkeypatch, tmp_path: Path, changes: dict[str, str]) -> None:
    """Render with a copy of the templates in which each of `changes` (a path under
    templates/email/) gets its text put first."""
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES, copy)
    for name, text in changes.items():
        path = copy / "email" / name
        path.write_text(text + path.read_text(encoding="utf-8"), encoding="utf-8")
    env = environment.__wrapped__(copy)
    monkeypatch.setattr("tasks.outbox.render_check.environment", lambda: env)


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


def test_one_partnership_whose_message_fails_is_found(
    imported: Engine, app_env, monkeypatch, tmp_path: Path
) -> None:
    plan(imported, CHECKIN, NOW)
    planned = messages(imported, kind=CHECKIN, status="planned")
    broken = planned[-1].partnership
    assert broken is not None
    reference = broken.reference_number
    fails_for_one = f'{{% if partnership.reference == "{reference}" %}}{{{{ x.y }}}}{{% endif %}}'
    changes = {f"{CHECKIN}/body.txt": fails_for_one}
    use_templates(monkeypatch, tmp_path, changes)
    with (
        pytest.raises(RenderError, match=r"body\.txt:1") as raised,
        transaction(imported) as session,
    ):
        check_planned(session, get_settings(), [CHECKIN])
    failing = {m.id for m in planned if m.partnership_id == broken.id}
    assert str(raised.value).count("message ") == len(failing)
    assert all(f"message {message_id} " in str(raised.value) for message_id in failing)


def test_a_name_in_the_subject_is_rendered_for_every_contact_and_never_breaks_it(
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
        contact.name = "N" * 230 + "\r\nBcc: all@example.org"
    with transaction(imported) as session:
        check = check_planned(
            session, get_settings(), [TouchpointKind.ADHOC], campaign_id=campaign_id
        )
    assert check.rendered == len(planned) and not check.errors


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


def test_samples_show_the_contact_number_in_place_of_the_recipients_name(
    imported: Engine, app_env
) -> None:
    """Samples go to previews and to what Prefect keeps: never a partner's person."""
    campaign_id = planned_campaign(imported, "News for {{ contact.name }}")
    planned = messages(imported, campaign_id=campaign_id, status="planned")
    names = {message.contact.name for message in planned}
    with transaction(imported) as session:
        check = check_planned(
            session, get_settings(), [TouchpointKind.ADHOC], campaign_id=campaign_id
        )
    (sample,) = check.samples.values()
    number = next(m.contact_id for m in planned if f"[contact {m.contact_id}]" in sample.text)
    assert sample.subject == f"News for [contact {number}]"
    assert f"Dear [contact {number}], news." in sample.text
    shown = sample.subject + sample.text + sample.html
    assert [name for name in names if name in shown] == []
