"""Bad input end to end, each with a clear error and nothing half-written: corrupted
eTools exports into a real database, a million-character answer, a subject that would
carry CR/LF from partner data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, update
from typer.testing import CliRunner

from continuity.cli import app
from continuity.portal import create_app
from continuity.settings import get_settings
from db.engine import transaction
from db.models import MessageStatus, Partnership, Response, TouchpointKind
from tasks.etools_files import EtoolsFileError
from tasks.etools_import import import_etools
from tasks.follow_up_policy import load_policy
from tasks.render import RenderError
from tasks.render_check import check_planned
from tests.pipeline import deliver_all, links_by_recipient, messages, plan
from tests.test_etools_import import snapshot

pytestmark = pytest.mark.faults
SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "etools"
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(noise=st.binary(min_size=1, max_size=200), position=st.integers(min_value=0))
def test_a_corrupted_export_imports_whole_or_not_at_all(
    engine: Engine, tmp_path: Path, noise: bytes, position: int
) -> None:
    data = (SAMPLES / "partners.csv").read_bytes()
    at = position % len(data)
    corrupted = tmp_path / "partners.csv"
    corrupted.write_bytes(data[:at] + noise + data[at + len(noise) :])
    before = snapshot(engine)
    try:
        with transaction(engine) as session:
            import_etools(session, corrupted, SAMPLES / "interventions.csv", load_policy())
    except EtoolsFileError as error:
        assert str(error) and all(problem.message for problem in error.problems)
        assert snapshot(engine) == before
    else:
        with transaction(engine) as session:
            assert session.scalar(select(func.count()).select_from(Partnership)) == 16


def test_a_million_character_answer_is_refused_and_nothing_recorded(
    imported: Engine, app_env, outbox
) -> None:
    plan(imported, CHECKIN, NOW)
    deliver_all(imported, [CHECKIN], NOW)
    link = next(iter(links_by_recipient(outbox()).values()))["respond"]
    portal = create_app(get_settings(), imported)
    portal.state.portal.clock = lambda: NOW + timedelta(days=1)
    client = TestClient(portal, base_url="https://portal.example.org")
    path = link.removeprefix("https://portal.example.org")
    answer = client.post(path, data={"csrf": "x", "comment": "x" * 1_000_000})
    assert answer.status_code == 413
    by_cli = CliRunner().invoke(
        app,
        [
            "response",
            "add",
            "--partnership",
            "SEN/PCA2021001/PD2021004",
            "--kind",
            "sustainability_checkin",
            "--comment",
            "x" * 1_000_000,
        ],
    )
    assert by_cli.exit_code != 0 and "comment" in (by_cli.stderr + by_cli.stdout).lower()
    with transaction(imported) as session:
        assert session.scalars(select(Response)).all() == []


def test_partner_data_that_would_break_the_subject_stops_the_render_before_any_send(
    imported: Engine, app_env, outbox
) -> None:
    with transaction(imported) as session:
        session.execute(update(Partnership).values(title="Kolda\r\nBcc: all@example.org"))
    plan(imported, CHECKIN, NOW)
    with (
        pytest.raises(RenderError, match=r"subject\.txt.*one line"),
        transaction(imported) as session,
    ):
        check_planned(session, get_settings(), [CHECKIN])
    assert {m.status for m in messages(imported)} <= {MessageStatus.PLANNED, MessageStatus.SKIPPED}
