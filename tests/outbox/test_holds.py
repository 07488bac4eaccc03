"""A render stop that holds: the rows of a run whose render check failed are kept from
every delivery until staff release them (checked again first) or cancel them; every CLI
error is one line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from continuity.cli.main import app
from db.engine import transaction
from db.models import MessageStatus, TouchpointKind
from db.outbox_decisions import cancel_planned, hold_planned
from flows.deliver_outbox import deliver_outbox
from flows.registry import FLOWS
from tasks.outbox import render
from tasks.outbox.render import TEMPLATES, RenderError
from tests.conftest import REPO
from tests.pipeline import messages, plan

pytestmark = pytest.mark.usefixtures("prefect_api")
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
LATER = NOW + timedelta(minutes=15)
CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN
runner = CliRunner()


@pytest.fixture
def one_partnership_breaks(imported: Engine, app_env, monkeypatch, tmp_path: Path) -> Callable:
    """Make the check-in templates fail for one partnership only (the others would send
    fine); return the function that puts the real templates back."""
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES, copy)
    breaks = '{% if partnership.reference == "SEN/PCA2021001/PD2021004" %}{{ x.y }}{% endif %}'
    path = copy / "email" / str(CHECKIN) / "body.txt"
    path.write_text(breaks + path.read_text(encoding="utf-8"), encoding="utf-8")
    broken = render.environment.__wrapped__(copy)

    def use(env) -> None:
        monkeypatch.setattr("tasks.outbox.render_check.environment", lambda: env)
        monkeypatch.setattr("tasks.outbox.composition.environment", lambda: env)

    use(broken)
    return lambda: use(render.environment())


def failed_run(engine: Engine) -> list:
    """Run the check-ins, whose render check fails; return the messages it held."""
    with pytest.raises(RenderError, match=r"body\.txt:1"):
        FLOWS["sustainability-checkins"](as_of=NOW)
    return messages(engine, status=MessageStatus.HELD)


def test_rows_of_a_run_whose_render_check_failed_are_never_delivered(
    imported: Engine, one_partnership_breaks, outbox
) -> None:
    held = failed_run(imported)
    assert deliver_outbox(as_of=LATER) == {"delivery": {}}
    by_cli = runner.invoke(app, ["outbox", "deliver", "--as-of", LATER.isoformat()])
    assert by_cli.exit_code == 0 and "nothing due" in by_cli.stdout
    assert outbox() == []
    assert held and not messages(imported, status=MessageStatus.PLANNED)
    assert all("render check" in m.status_reason and "body.txt:1" in m.status_reason for m in held)
    assert len(messages(imported, status=MessageStatus.HELD)) == len(held)


def test_held_rows_are_released_only_once_they_render_again(
    imported: Engine, one_partnership_breaks, outbox
) -> None:
    held = failed_run(imported)
    campaign = str(held[0].campaign_id)
    listed = runner.invoke(app, ["outbox", "held"])
    assert listed.exit_code == 0
    assert listed.stdout.startswith(f"campaign {campaign} (sustainability_checkin 2026-12-01")
    assert f"{len(held)} sustainability_checkin message(s)" in listed.stdout
    assert "render check" in listed.stdout and "body.txt:1" in listed.stdout
    refused = runner.invoke(app, ["outbox", "release", "--campaign", campaign])
    assert refused.exit_code == 1 and "still do not render" in refused.stderr
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.output
    assert len(messages(imported, status=MessageStatus.HELD)) == len(held)
    one_partnership_breaks()  # staff fixed the template
    released = runner.invoke(app, ["outbox", "release", "--campaign", campaign])
    assert released.exit_code == 0 and f"released {len(held)} held" in released.stdout
    planned = messages(imported, status=MessageStatus.PLANNED)
    assert len(planned) == len(held) and "released by staff" in planned[0].status_reason
    assert runner.invoke(app, ["outbox", "deliver", "--as-of", LATER.isoformat()]).exit_code == 0
    assert len(outbox()) == len(held)


def test_held_rows_end_cancelled_by_the_existing_cancel_paths(
    imported: Engine, one_partnership_breaks
) -> None:
    held = failed_run(imported)
    cancelled = runner.invoke(app, ["campaign", "cancel", str(held[0].campaign_id)])
    assert cancelled.exit_code == 0, cancelled.output
    ended = messages(imported, campaign_id=held[0].campaign_id)
    assert {m.status for m in ended} == {MessageStatus.CANCELLED}
    assert all(m.status_reason.startswith("campaign cancelled") for m in ended)


def test_cancelling_by_occurrence_ends_held_rows_too(imported: Engine, app_env) -> None:
    plan(imported, CHECKIN, NOW)
    with transaction(imported) as session:
        held = hold_planned(session, [CHECKIN], "held: test")
        assert cancel_planned(session, f"{CHECKIN}:", "the plan ended") == held > 0
    assert {m.status for m in messages(imported)} <= {
        MessageStatus.CANCELLED,
        MessageStatus.SKIPPED,
    }


def test_an_unexpected_error_in_a_command_is_one_line(imported: Engine, app_env, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("campaign")

    monkeypatch.setattr("continuity.cli.outbox.held_groups", broken)
    result = runner.invoke(app, ["outbox", "held"])
    assert result.exit_code == 1 and result.stderr == "error: KeyError: 'campaign'\n"
    missing = runner.invoke(app, ["campaign", "cancel", "999"])
    assert missing.exit_code == 1 and missing.stderr.startswith("error: no campaign 999")


def test_a_campaign_send_that_fails_its_render_check_prints_one_line(
    imported: Engine, app_env, tmp_path: Path
) -> None:
    from prefect.settings import PREFECT_API_URL

    path = tmp_path / "campaign.toml"
    path.write_text(
        'name = "Forum"\n[audience]\ncountries = ["HTI"]\n'
        '[content.fr]\nsubject = "Forum {{ contact.nickname }}"\nbody = "Bonjour"\n',
        encoding="utf-8",
    )
    command = Path(sys.executable).parent / "continuity"
    # This checkout's code, whichever the virtualenv's script was installed from.
    environment = {
        **os.environ,
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
        "PYTHONPATH": str(REPO),
    }
    done = subprocess.run(
        [command, "campaign", "send", str(path)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr + done.stdout
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: render check failed; 2 message(s) held")
    assert "unknown placeholder {{ contact.nickname }}" in last
    assert len(messages(imported, status=MessageStatus.HELD)) == 2
