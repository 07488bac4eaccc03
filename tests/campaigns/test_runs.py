from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from continuity.cli.main import app
from db.engine import transaction
from db.models import Campaign, Contact, MessageStatus
from flows.registry import DEPLOYMENTS
from tasks.touchpoints.adhoc import AdhocCampaign
from tests.etools.test_importer import snapshot
from tests.pipeline import messages

pytestmark = pytest.mark.usefixtures("prefect_api")
adhoc_campaign = DEPLOYMENTS["adhoc-campaign"]
deliver_outbox = DEPLOYMENTS["deliver-outbox"]

CONTENT = {
    "fr": {
        "subject": "Nouvelles pour {{ partner.short_name }}",
        "body": "Bonjour {{ contact.name }},\n\n**Nouvelle stratégie** : voir [le site](https://www.unicef.org/fr).",
    },
    "en": {
        "subject": "News for {{ partner.short_name }}",
        "body": "Dear {{ contact.name }},\n\n**New strategy**: see [the site](https://www.unicef.org)."
        "\n\nKind regards,\nThe team",
    },
}


def campaign(**fields) -> AdhocCampaign:
    return AdhocCampaign.model_validate({"name": "Stratégie 2027", "content": CONTENT, **fields})


def test_a_campaign_is_a_preview_unless_told_otherwise(imported: Engine, app_env, outbox) -> None:
    with transaction(imported) as session:
        session.scalars(
            select(Contact).where(Contact.email == "a.ndiaye@asef-senegal.example.org")
        ).one().opted_out_at = datetime.now(UTC)
    before = snapshot(imported)
    found = adhoc_campaign(campaign=campaign(audience={"countries": ["SEN", "COL"]}))
    assert outbox() == [] and snapshot(imported) == before
    assert found["audience"] == 10
    assert found["by_country"] == {"SEN": 5, "COL": 5}
    assert found["by_language"] == {"fr": 5, "es": 5}
    assert "1 skipped: opted out" in found["warnings"]
    assert "5 contacts get another language (es→en)" in found["warnings"]
    assert found["samples"]["adhoc/fr"]["subject"] == "Nouvelles pour RJSC" or found["samples"][
        "adhoc/fr"
    ]["subject"].startswith("Nouvelles pour")


@pytest.mark.parametrize(
    ("subject", "body", "named"),
    [("Hi {{ contact.nickname }}", "x", "nickname"), ("Hi", ">" * 100 + " x", "nest too deep")],
)
def test_content_that_cannot_render_is_a_warning_in_the_preview(
    imported: Engine, app_env, subject: str, body: str, named: str
) -> None:
    broken = {"en": {"subject": subject, "body": body}}
    found = adhoc_campaign(campaign=campaign(content=broken, audience={"countries": ["KEN"]}))
    assert any("will not render" in warning and named in warning for warning in found["warnings"])


def test_a_campaign_sends_once_to_its_audience(imported: Engine, app_env, outbox) -> None:
    params = campaign(dry_run=False, audience={"countries": ["KEN"]})
    result = adhoc_campaign(campaign=params)
    again = adhoc_campaign(campaign=params)
    assert result["campaign_id"] == again["campaign_id"]
    mails = outbox()
    assert len(mails) == result["delivery"]["sent"] == 6
    assert len({parseaddr(mail["To"])[1] for mail in mails}) == 6
    kenya = next(
        mail for mail in mails if parseaddr(mail["To"])[1] == "g.otieno@kccpn.example.or.ke"
    )
    assert kenya["Subject"] == "News for KCCPN"
    html = kenya.get_body(("html",)).get_content()
    assert "<strong>New strategy</strong>" in html and 'href="https://www.unicef.org"' in html
    assert "Kind regards,<br>" in html
    text = kenya.get_body(("plain",)).get_content()
    assert "Dear Grace Achieng' Otieno" in text
    assert "New strategy: see the site (https://www.unicef.org).\n\nKind regards,\nThe team" in text
    with transaction(imported) as session:
        assert len(session.scalars(select(Campaign)).all()) == 1


def test_staff_markdown_cannot_inject_html_or_scripts(imported: Engine, app_env, outbox) -> None:
    hostile = {
        "en": {
            "subject": "Hello",
            "body": "<script>alert(1)</script> [click](javascript:alert(1))"
            " <img src=x onerror=alert(1)>",
        }
    }
    adhoc_campaign(
        campaign=campaign(
            dry_run=False, content=hostile, audience={"vendor_numbers": ["2500211011"]}
        )
    )
    (mail,) = outbox()
    html = mail.get_body(("html",)).get_content()
    assert "<script>" not in html and "javascript:" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_test_recipients_alone_receive_marked_tests(imported: Engine, app_env, outbox) -> None:
    result = adhoc_campaign(
        campaign=campaign(
            dry_run=False, test_recipients=["ops@unicef.example"], audience={"countries": ["SEN"]}
        )
    )
    mails = outbox()
    assert {parseaddr(mail["To"])[1] for mail in mails} == {"ops@unicef.example"}
    assert sorted(mail["Subject"] for mail in mails) == [
        "[TEST] News for UNICEF",
        "[TEST] Nouvelles pour UNICEF",
    ]
    assert result["delivery"]["sent"] == 2
    assert not [m for m in messages(imported) if not m.contact.is_staff]


@pytest.mark.usefixtures("future_runs_allowed")
def test_a_campaign_for_later_waits_for_its_time_and_can_be_cancelled(
    imported: Engine, app_env, outbox
) -> None:
    later = datetime.now(UTC) + timedelta(days=1)
    result = adhoc_campaign(
        campaign=campaign(dry_run=False, send_at=later, audience={"countries": ["KEN"]})
    )
    assert outbox() == [] and result["delivery"] == {}
    assert deliver_outbox(as_of=later - timedelta(hours=1))["delivery"] == {}
    runner = CliRunner()
    cancelled = runner.invoke(app, ["campaign", "cancel", str(result["campaign_id"])])
    assert cancelled.exit_code == 0 and "cancelled: {'cancelled': 6}" in cancelled.stdout
    assert deliver_outbox(as_of=later + timedelta(hours=1))["delivery"] == {}
    assert outbox() == []
    assert {m.status for m in messages(imported)} == {MessageStatus.CANCELLED}


@pytest.mark.usefixtures("future_runs_allowed")
def test_deliver_outbox_sends_a_campaign_when_its_time_comes(
    imported: Engine, app_env, outbox
) -> None:
    later = datetime.now(UTC) + timedelta(days=1)
    adhoc_campaign(campaign=campaign(dry_run=False, send_at=later, audience={"countries": ["GTM"]}))
    assert deliver_outbox(as_of=later + timedelta(minutes=5))["delivery"] == {"sent": 2}
    assert len(outbox()) == 2


def test_the_cli_previews_creates_sends_and_lists(
    imported: Engine, app_env, outbox, tmp_path
) -> None:
    path = tmp_path / "campaign.toml"
    path.write_text(
        'name = "Forum"\n[audience]\ncountries = ["HTI"]\n'
        '[content.fr]\nsubject = "Forum {{ partner.short_name }}"\nbody = "Bonjour"\n',
        encoding="utf-8",
    )
    runner = CliRunner()
    preview = runner.invoke(app, ["campaign", "preview", str(path)])
    assert preview.exit_code == 0, preview.output
    assert (
        "audience: 2 contacts" in preview.stdout and "sample adhoc/fr: Forum FHPE" in preview.stdout
    )
    assert runner.invoke(app, ["campaign", "create", str(path)]).exit_code == 0
    sent = runner.invoke(app, ["campaign", "send", str(path)])
    assert sent.exit_code == 0 and "'sent': 2" in sent.stdout
    listing = runner.invoke(app, ["campaign", "list"], env={"COLUMNS": "200"})
    assert "Forum" in listing.stdout and "sent 2" in listing.stdout
    path.write_text(
        'name = "Broken"\n[content.fr]\nsubject = "a\\nb"\nbody = "x"\n', encoding="utf-8"
    )
    bad = runner.invoke(app, ["campaign", "preview", str(path)])
    assert bad.exit_code == 1 and "content.fr.subject" in bad.stderr


def test_a_campaign_sent_as_of_a_moment_to_come_is_refused_its_preview_is_not(
    imported: Engine, app_env, outbox
) -> None:
    from tasks.clock import FutureMoment

    tomorrow = datetime.now(UTC) + timedelta(days=1)
    before = snapshot(imported)
    real = campaign(dry_run=False, audience={"countries": ["KEN"]})
    with pytest.raises(FutureMoment):
        adhoc_campaign(campaign=real, as_of=tomorrow)
    assert snapshot(imported) == before and outbox() == []
    preview = adhoc_campaign(campaign=campaign(audience={"countries": ["KEN"]}), as_of=tomorrow)
    assert preview["audience"] == 6 and outbox() == []
