from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from continuity.cli.main import app
from db.models import MessageStatus
from tests.pipeline import messages

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("prefect_api")


def test_run_executes_one_flow_and_prints_its_summary(imported: Engine, app_env, outbox) -> None:
    result = runner.invoke(
        app, ["run", "sustainability-checkins", "--as-of", "2026-12-01T12:00:00Z"]
    )
    assert result.exit_code == 0, result.output
    assert "sustainability_checkin 2026-12-01 12:00 UTC" in result.stdout
    assert "delivered in this run: sent" in result.stdout
    assert len(outbox()) == len(messages(imported, status=MessageStatus.SENT)) > 0


def test_a_dry_run_prints_samples_and_sends_nothing(imported: Engine, app_env, outbox) -> None:
    result = runner.invoke(
        app, ["run", "sustainability-checkins", "--as-of", "2026-12-01T12:00:00", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "dry run, nothing sent" in result.stdout
    assert "sample sustainability_checkin/fr: Que sont devenus" in result.stdout
    assert outbox() == []
    assert messages(imported) == []


def test_an_unknown_deployment_is_named(imported: Engine, app_env) -> None:
    result = runner.invoke(app, ["run", "newsletter"])
    assert result.exit_code == 2
    assert "unknown deployment 'newsletter'" in result.stderr


def test_a_real_run_needs_the_secret_key(imported: Engine, app_env) -> None:
    from tasks.settings import get_settings

    app_env.delenv("CONTINUITY_SECRET_KEY")
    get_settings.cache_clear()
    result = runner.invoke(app, ["run", "reminders"])
    assert result.exit_code == 2
    assert "CONTINUITY_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize(
    "deployment", ["sustainability-checkins", "deliver-outbox", "data-retention"]
)
def test_a_real_run_in_the_future_is_refused_in_one_line_a_dry_run_simulates_it(
    imported: Engine, app_env, outbox, deployment: str
) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    refused = runner.invoke(app, ["run", deployment, "--as-of", tomorrow])
    assert refused.exit_code == 1
    assert refused.stderr.count("\n") == 1 and "is in the future" in refused.stderr
    assert outbox() == [] and messages(imported) == []
    simulated = runner.invoke(app, ["run", deployment, "--as-of", tomorrow, "--dry-run"])
    assert simulated.exit_code == 0, simulated.output
    assert outbox() == [] and messages(imported) == []
