"""The focal-point-digest flow on a real Prefect API (the test harness): a partner's
e-mail reply, collected from the inbox, reaches the focal point; what Prefect keeps of the
run names no partner's person and none of their words."""

from __future__ import annotations

import json
import mailbox
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from continuity.cli.main import app
from db.engine import transaction
from db.models import MessageStatus, TouchpointKind
from flows.registry import FLOWS, FORMS
from tasks.responses.manual_entry import ManualResponse, record_manual_response
from tasks.settings import get_settings
from tests.artifacts import latest_artifact
from tests.flows.test_touchpoint import prefect_texts
from tests.pipeline import messages, sample_mail

pytestmark = pytest.mark.usefixtures("prefect_api")
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
AWA = "a.ndiaye@asef-senegal.example.org"
SOW = "a.sow@unicef.example.org"
TURKANA = "KEN/PCA2021004/PD2022013"
# What partners' people are called and wrote: none of it may reach Prefect.
PARTNER_DATA = ["Awa", "Ndiaye", "a.ndiaye", "asef-senegal", "cantines", "Ekai", "kitabu"]


@pytest.fixture
def replied(imported: Engine, app_env, tmp_path: Path) -> Engine:
    """Check-ins sent, Awa Ndiaye's reply collected from the inbox, Aïssatou Sow
    registered; Ekai Lokwawi's words about a partnership whose focal point has no address
    entered by staff."""
    app_env.setenv("CONTINUITY_INBOX_URL", f"maildir://{tmp_path / 'inbox'}")
    get_settings.cache_clear()
    FORMS["record-focal-point"](
        focal_point={"name": "Aïssatou Sow", "address": SOW, "language": "fr"}
    )
    FLOWS["sustainability-checkins"](as_of=NOW)
    checkin = next(
        m for m in messages(imported, status=MessageStatus.SENT) if m.contact.email == AWA
    )
    mailbox.Maildir(tmp_path / "inbox", create=True).add(sample_mail("reply-fr.eml", checkin))
    FLOWS["collect-responses"](as_of=NOW + timedelta(hours=2))
    entry = ManualResponse(
        partnership=TURKANA,
        kind="sustainability_checkin",
        sustained="partly",
        capacity=3,
        comment="Tunahitaji vitabu: kitabu kimoja kwa watoto watano.",
    )
    with transaction(imported) as session:
        record_manual_response(session, entry, NOW + timedelta(hours=1))
    return imported


def test_the_digest_reaches_the_focal_point_and_prefect_keeps_no_partner_data(
    replied: Engine, outbox
) -> None:
    state = FLOWS["focal-point-digest"](as_of=NOW + timedelta(days=1), return_state=True)
    result = state.result()
    assert result["delivery"]["sent"] == 1
    (mail,) = [m for m in outbox() if SOW in m["To"]]
    assert mail["Subject"] == "Messages de partenaires : 1 nouveau"
    assert "Les cantines scolaires continuent" in mail.get_body(("plain",)).get_content()
    assert [row["partnership"] for row in result["unreached"]] == [TURKANA]
    texts = prefect_texts(state.state_details.flow_run_id) + json.dumps(result, default=str)
    assert TURKANA in texts and "Nancy Wanjiru: no address in the staff directory" in texts
    assert [word for word in PARTNER_DATA if word in texts] == []
    assert TURKANA in latest_artifact("partner-messages-unreached")


def test_a_second_day_with_nothing_new_sends_nothing(replied: Engine, outbox) -> None:
    FLOWS["focal-point-digest"](as_of=NOW + timedelta(days=1))
    sent = len(outbox())
    again = FLOWS["focal-point-digest"](as_of=NOW + timedelta(days=2))
    assert again["delivery"] == {} and len(outbox()) == sent


def test_a_dry_run_returns_subjects_never_what_partners_wrote(replied: Engine, outbox) -> None:
    before = len(outbox())
    state = FLOWS["focal-point-digest"](
        as_of=NOW + timedelta(days=1), dry_run=True, return_state=True
    )
    result = state.result()
    assert result["samples"] == {
        "focal_point_digest/fr": {"subject": "Messages de partenaires : 1 nouveau"}
    }
    texts = prefect_texts(state.state_details.flow_run_id) + json.dumps(result, default=str)
    assert [word for word in PARTNER_DATA if word in texts] == []
    assert (
        len(outbox()) == before and messages(replied, kind=TouchpointKind.FOCAL_POINT_DIGEST) == []
    )


def test_continuity_run_names_the_partnerships_no_focal_point_gets(replied: Engine) -> None:
    moment = (NOW + timedelta(days=1)).isoformat()
    result = CliRunner().invoke(app, ["run", "focal-point-digest", "--as-of", moment])
    assert result.exit_code == 0, result.output
    shown = " ".join(result.stdout.split())
    assert (
        f"{TURKANA}: 1 partner message(s) waiting since 2026-12-01, and no focal point to tell"
        " (Nancy Wanjiru: no address in the staff directory)"
    ) in shown
    assert "focal_point_digest" in shown and "Ekai" not in shown
