from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.objects import Artifact
from sqlalchemy import Engine, select

from db.engine import transaction
from db.models import Campaign, Contact, MessageStatus, TouchpointKind
from flows.registry import FLOWS
from tasks.outbox.render import TEMPLATES, RenderError, environment
from tests.etools.test_importer import snapshot
from tests.pipeline import messages

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SATURDAY, MONDAY = datetime(2026, 12, 5, 12, tzinfo=UTC), datetime(2026, 12, 7, 12, tzinfo=UTC)
pytestmark = pytest.mark.usefixtures("prefect_api")


def artifact_keys(campaign_id: int) -> set[str]:
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(like_=f"campaign-{campaign_id}-"))
        )
    return {artifact.key for artifact in found if artifact.key}


def test_the_checkin_flow_sends_reports_and_publishes_artifacts(
    imported: Engine, app_env, outbox
) -> None:
    result = FLOWS["sustainability-checkins"](as_of=NOW)
    sent = messages(imported, status=MessageStatus.SENT)
    assert sent and len(outbox()) == len(sent)
    assert result["delivery"]["sent"] == len(sent)
    assert {"kind": "sustainability_checkin", "status": "sent", "messages": len(sent)} in result[
        "counts"
    ]
    assert "Association Sénégalaise pour l'Éducation des Filles" in result["partners"]
    keys = artifact_keys(result["campaign_id"])
    assert keys == {
        f"campaign-{result['campaign_id']}-counts",
        f"campaign-{result['campaign_id']}-summary",
    }


def test_a_second_run_at_the_same_moment_sends_nothing_more(
    imported: Engine, app_env, outbox
) -> None:
    FLOWS["sustainability-checkins"](as_of=NOW)
    first = len(outbox())
    again = FLOWS["sustainability-checkins"](as_of=NOW)
    assert len(outbox()) == first
    assert again["delivery"] == {}


def test_a_dry_run_sends_nothing_and_changes_nothing(imported: Engine, app_env, outbox) -> None:
    before = snapshot(imported)
    result = FLOWS["sustainability-checkins"](as_of=NOW, dry_run=True)
    assert outbox() == []
    assert snapshot(imported) == before
    assert result["render"]["rendered"] > 0
    assert set(result["render"]["by_language"]) == {"fr", "en", "es"}
    assert any(key.endswith("/fr") for key in result["samples"])
    assert "rolled back" in result["campaign"]


def test_a_template_error_stops_the_run_before_anything_is_sent(
    imported: Engine, app_env, outbox, tmp_path: Path, monkeypatch
) -> None:
    broken = tmp_path / "templates"
    shutil.copytree(TEMPLATES, broken)
    (broken / "email/sustainability_checkin/body.txt").write_text("{{ contact.nickname.first }}\n")
    env = environment.__wrapped__(broken)
    monkeypatch.setattr("tasks.outbox.render_check.environment", lambda: env)
    monkeypatch.setattr("tasks.outbox.composition.environment", lambda: env)
    with pytest.raises(RenderError, match=r"email/sustainability_checkin/body.txt:1"):
        FLOWS["sustainability-checkins"](as_of=NOW)
    assert outbox() == []
    assert not messages(imported, status=MessageStatus.SENT)
    assert messages(imported, status=MessageStatus.HELD)
    assert not messages(imported, status=MessageStatus.PLANNED)


def test_a_run_without_secret_key_fails_before_planning(imported: Engine, app_env) -> None:
    from tasks.settings import SettingsError, get_settings

    app_env.delenv("CONTINUITY_SECRET_KEY")
    get_settings.cache_clear()
    with pytest.raises(SettingsError, match="CONTINUITY_SECRET_KEY"):
        FLOWS["sustainability-checkins"](as_of=NOW)
    assert messages(imported) == []


TOUCHPOINT_FLOWS = [
    "consultation-invitations",
    "evaluation-followup",
    "policy-updates",
    "reminders",
    "sustainability-checkins",
]


@pytest.mark.parametrize("name", TOUCHPOINT_FLOWS)
def test_every_touchpoint_flow_runs_on_the_sample_data(
    imported: Engine, app_env, name: str
) -> None:
    result = FLOWS[name](as_of=NOW)
    # A run that planned nothing has no campaign, and counts nothing.
    assert (result["campaign_id"] is None) == (result["counts"] == [])
    kinds = {row["kind"] for row in result["counts"]}
    assert kinds <= {str(kind) for kind in TouchpointKind}


def run_artifacts(state) -> list[Artifact]:
    """Every artifact the flow run of `state` and its tasks published."""
    from prefect.client.schemas.filters import ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])
            )
        )


def campaigns(engine: Engine) -> list[tuple[str, str]]:
    with transaction(engine) as session:
        return [(c.name, c.status) for c in session.scalars(select(Campaign).order_by(Campaign.id))]


def test_a_run_with_nobody_due_leaves_no_campaign_and_publishes_nothing(
    imported: Engine, app_env
) -> None:
    state = FLOWS["consultation-invitations"](as_of=NOW, return_state=True)
    assert state.result()["campaign_id"] is None and state.result()["delivery"] == {}
    assert run_artifacts(state) == []
    assert campaigns(imported) == []
    texts = prefect_texts(state.state_details.flow_run_id)
    assert "nobody due for consultation_invitation" in texts
    assert "planned" not in texts and "rendered" not in texts


def test_a_preview_and_a_real_run_never_share_an_artifact_key(imported: Engine, app_env) -> None:
    # On SQLite the preview's rolled-back campaign id is the real campaign's.
    previewed = FLOWS["sustainability-checkins"](as_of=NOW, dry_run=True, return_state=True)
    real = FLOWS["sustainability-checkins"](as_of=NOW, return_state=True)
    assert previewed.result()["campaign_id"] is None
    preview_keys = {artifact.key for artifact in run_artifacts(previewed)}
    assert preview_keys == {
        "preview-sustainability-checkin-counts",
        "preview-sustainability-checkin-summary",
    }
    campaign_id = real.result()["campaign_id"]
    real_keys = {artifact.key for artifact in run_artifacts(real) if artifact.key}
    assert real_keys == {f"campaign-{campaign_id}-counts", f"campaign-{campaign_id}-summary"}
    assert campaigns(imported) == [("sustainability_checkin 2026-12-01 12:00 UTC", "sent")]


def test_a_dry_runs_artifact_shows_one_sample_per_language_and_no_person(
    imported: Engine, app_env
) -> None:
    state = FLOWS["sustainability-checkins"](as_of=NOW, dry_run=True, return_state=True)
    (summary,) = [a for a in run_artifacts(state) if a.key and a.key.endswith("-summary")]
    markdown = str(summary.data)
    for language in ("fr", "en", "es"):
        assert markdown.count(f"### sustainability\\_checkin/{language}\n") == 1
    assert markdown.count("```\n") == 6 and "Bonjour [contact " in markdown
    assert "Que sont devenus les résultats" in markdown  # the French subject
    assert "/r/…" in markdown and "preview-token" not in markdown
    with transaction(imported) as session:
        people = [(c.name, c.email) for c in session.scalars(select(Contact))]
    shown = markdown + str(state.result())
    assert [name for name, _ in people if name in shown] == []
    assert [email for _, email in people if email and email in shown] == []


@pytest.mark.usefixtures("future_runs_allowed")
def test_messages_deferred_to_the_window_go_out_with_a_later_run_that_plans_nothing(
    imported: Engine, app_env, outbox
) -> None:
    from tasks.settings import get_settings

    app_env.setenv("CONTINUITY_SENDING_WINDOW", "mon-fri 09:00-17:00")
    get_settings.cache_clear()
    saturday = FLOWS["sustainability-checkins"](as_of=SATURDAY, return_state=True)
    assert saturday.result()["delivery"] == {} and outbox() == []
    assert sorted(a.type for a in run_artifacts(saturday)) == ["markdown", "table"]  # no progress
    name = "sustainability_checkin 2026-12-05 12:00 UTC"
    assert campaigns(imported) == [(name, "planned")]
    monday = FLOWS["sustainability-checkins"](as_of=MONDAY, return_state=True)
    result = monday.result()
    assert result["campaign_id"] is None and result["delivery"]["sent"] == len(outbox()) > 0
    published = {(a.type, a.key): a.data for a in run_artifacts(monday)}
    assert published.keys() == {("progress", None), ("markdown", "delivery-sustainability-checkin")}
    assert published[("progress", None)] == 100.0
    report = str(published[("markdown", "delivery-sustainability-checkin")])
    assert "Nothing new was planned." in report and "sent: " in report
    # Monday noon UTC is evening in Dhaka, early morning in the Americas (and Tuesday a
    # holiday in Colombia): those wait, deliver-outbox sends them on Wednesday (Dhaka's
    # noon, then the Americas'), and the campaign is then sent.
    assert result["delivery"]["deferred"] and campaigns(imported) == [(name, "sending")]
    FLOWS["deliver-outbox"](as_of=MONDAY + timedelta(hours=42))
    assert campaigns(imported) == [(name, "sending")]
    FLOWS["deliver-outbox"](as_of=MONDAY + timedelta(hours=54))
    assert campaigns(imported) == [(name, "sent")]
    assert not messages(imported, status=MessageStatus.PLANNED)


def prefect_texts(flow_run_id) -> str:
    """Every log line and artifact body Prefect holds for a flow run and its tasks."""
    from prefect.client.schemas.filters import (
        ArtifactFilterFlowRunId,
        LogFilter,
        LogFilterFlowRunId,
    )
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)
    with get_client(sync_client=True) as client:
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]))
        )
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
        run = client.read_flow_run(flow_run_id)
    return "\n".join(
        [*(log.message for log in logs), *(str(a.data) for a in artifacts), str(run.parameters)]
    )


def test_no_address_or_token_reaches_prefect(
    imported: Engine, app_env, smtp_sink, outbox, monkeypatch
) -> None:
    from tasks.settings import get_settings

    app_env.setenv("CONTINUITY_MAIL_URL", smtp_sink.url)
    get_settings.cache_clear()
    monkeypatch.setattr("tasks.outbox.lanes.CONSECUTIVE_FAILURE_LIMIT", 2)
    recipients = iter(range(10_000))
    smtp_sink.handler.decide = lambda envelope: (
        f"550 5.1.1 <{envelope.rcpt_tos[0]}>: no such user"
        if next(recipients) % 2
        else f"451 4.2.0 <{envelope.rcpt_tos[0]}> over quota"
    )
    state = FLOWS["sustainability-checkins"](as_of=NOW, return_state=True)
    assert state.is_completed()
    texts = prefect_texts(state.state_details.flow_run_id)
    # Artifacts show the placeholder escaped for Markdown (tasks/artifacts.py).
    assert "no such user" in texts and "<address>" in texts.replace("\\", "")
    addresses = [m.contact.email for m in messages(imported) if m.contact.email]
    assert addresses and not [address for address in addresses if address in texts]
    tokens = [m.token_hash for m in messages(imported) if m.token_hash]
    assert tokens and not [token for token in tokens if token in texts]


def test_the_collect_flow_records_the_inbox_and_publishes_counts(
    imported: Engine, app_env, tmp_path: Path
) -> None:
    import mailbox

    from tasks.settings import get_settings
    from tests.pipeline import sample_mail

    app_env.setenv("CONTINUITY_INBOX_URL", f"maildir://{tmp_path / 'inbox'}")
    get_settings.cache_clear()
    FLOWS["sustainability-checkins"](as_of=NOW)
    original = next(
        m
        for m in messages(imported, status=MessageStatus.SENT)
        if m.contact.email == "a.ndiaye@asef-senegal.example.org"
    )
    mailbox.Maildir(tmp_path / "inbox", create=True).add(sample_mail("reply-fr.eml", original))
    state = FLOWS["collect-responses"](return_state=True)
    assert state.result() == {"collected": {"reply": 1}}
    texts = prefect_texts(state.state_details.flow_run_id)
    assert "reply" in texts and "a.ndiaye@" not in texts


def test_the_collect_flow_alerts_when_bounces_blame_our_sender(
    imported: Engine, app_env, tmp_path: Path
) -> None:
    import mailbox

    from tasks.settings import get_settings
    from tests.pipeline import sample_mail

    app_env.setenv("CONTINUITY_INBOX_URL", f"maildir://{tmp_path / 'inbox'}")
    get_settings.cache_clear()
    FLOWS["sustainability-checkins"](as_of=NOW)
    box = mailbox.Maildir(tmp_path / "inbox", create=True)
    for number, message in enumerate(messages(imported, status=MessageStatus.SENT)[:3]):
        raw = sample_mail("postfix-dsn-blocked.eml", message)
        box.add(raw.replace(b"<20261201120005.", f"<{number}.".encode()))
    state = FLOWS["collect-responses"](return_state=True)
    assert state.result() == {"collected": {"bounce": 3}}
    texts = prefect_texts(state.state_details.flow_run_id)
    assert "Alert: 3 bounces blame our sender (blocked: 3)" in texts
    assert "No partner was suppressed" in texts and "@enfance-avenir" not in texts


@pytest.mark.parametrize(
    "name",
    ["sustainability-checkins", "corrective-actions", "deliver-outbox", "data-retention"],
)
def test_a_real_run_refuses_a_moment_to_come_and_changes_nothing(
    imported: Engine, app_env, outbox, name: str
) -> None:
    from tasks.clock import FutureMoment

    before = snapshot(imported)
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    with pytest.raises(FutureMoment, match="is in the future"):
        FLOWS[name](as_of=tomorrow)
    assert snapshot(imported) == before and outbox() == []
    FLOWS[name](as_of=tomorrow, dry_run=True)
    assert snapshot(imported) == before and outbox() == []
