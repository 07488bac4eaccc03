"""Bad input end to end, each with a clear error and nothing half-written: corrupted
eTools exports into a real database, a million-character answer, a subject that would
carry CR/LF from partner data (folded, never stopping a run)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from continuity.cli.main import app
from continuity.portal.app import create_app
from db.engine import transaction
from db.models import MessageStatus, Partnership, Response, TouchpointKind
from tasks.clock import Clock
from tasks.etools.files import EtoolsFileError
from tasks.etools.importer import import_etools
from tasks.follow_up_policy import load_policy
from tasks.outbox.render_check import check_planned
from tasks.settings import get_settings
from tests.etools.test_importer import snapshot
from tests.pipeline import deliver_all, links_by_recipient, messages, plan

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
    portal.state.portal.clock = Clock.at(NOW + timedelta(days=1))
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


LONG_TITLE = (
    "Programme intégré d'appui à la scolarisation et au maintien des filles à l'école"
    " dans les régions de Kolda, Sédhiou et Tambacounda, avec un volet de renforcement des"
    " capacités des associations de parents d'élèves, des comités de gestion scolaire et"
    " des collectivités territoriales pour la pérennisation des acquis"
)


def exports_with_titles(tmp_path: Path) -> Path:
    """Return the sample interventions export with hostile titles: every one gets a line
    break and a Bcc header, the first a title longer than any subject."""
    rows = list(csv.DictReader((SAMPLES / "interventions.csv").open(encoding="utf-8")))
    for number, row in enumerate(rows):
        title = LONG_TITLE if number == 0 else row["Document Title"]
        row["Document Title"] = f"{title}\r\nBcc: all@example.org"
    path = tmp_path / "interventions.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_partner_data_never_breaks_a_subject_nor_stops_a_run(
    engine: Engine, app_env, outbox, tmp_path: Path
) -> None:
    with transaction(engine) as session:
        import_etools(
            session, SAMPLES / "partners.csv", exports_with_titles(tmp_path), load_policy()
        )
    plan(engine, CHECKIN, NOW)
    planned = messages(engine, status=MessageStatus.PLANNED)
    with transaction(engine) as session:
        assert check_planned(session, get_settings(), [CHECKIN]).rendered == len(planned)
    deliver_all(engine, [CHECKIN], NOW)
    mails = outbox()
    assert len(mails) == len(planned) and all(mail["Bcc"] is None for mail in mails)
    subjects = {mail["Subject"] for mail in mails}
    assert all("\n" not in subject and len(subject) <= 250 for subject in subjects)
    assert any("Bcc: all@example.org" in subject for subject in subjects)
    longest = max(subjects, key=len)
    assert "…" in longest and LONG_TITLE[:60] in longest
