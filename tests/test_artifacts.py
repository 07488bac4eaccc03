"""Artifacts are data, not markup: a hostile text typed by a partner, imported from eTools
or written by staff reaches every artifact-producing flow, and no stored artifact holds a
live Markdown link, image, HTML or autolinked URL."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from sqlalchemy import Engine, select, update

from db.engine import transaction
from db.models import Contact, Partner, Partnership
from flows.registry import FLOWS, FORMS
from tasks.acknowledgements.stages import draft_acknowledgements
from tasks.artifacts import markdown_text
from tasks.responses.manual_entry import ManualResponse, record_manual_response
from tasks.settings import get_settings
from tasks.staff.records import EvaluationInput, read_input, record_evaluation
from tests.acknowledgements.test_register import answer, ask_partner, portal, staff

pytestmark = pytest.mark.usefixtures("prefect_api")
HOSTILE = (
    "![i](https://attacker.example/i.png) [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    " <b>bold</b> www.attacker.example <https://attacker.example/a> x@attacker.example"
)
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
ASEF = "SEN/PCA2021001/PD2021004"
AWA = "a.ndiaye@asef-senegal.example.org"
SUSPENDED = "CMR/PCA2019012/PD2023003"
# What a GFM renderer (Prefect's UI) links by itself in plain text.
AUTOLINKED = re.compile(r"://|www\.|\w@\w", re.IGNORECASE)
LIVE = {"link_open", "image", "html_inline", "html_block"}
RENDERER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
# Escaped characters stay tokens of their own, as a renderer's autolinker sees them.
_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_MARKDOWN.disable("text_join")


def live_markup(markdown: str) -> list[str]:
    """Return what in `markdown` Prefect's UI would render as a link, an image, HTML or an
    autolinked URL (code is shown as written, so it is left out)."""
    found = []
    for token in _flattened(_MARKDOWN.parse(markdown)):
        if token.type in LIVE:
            found.append(f"{token.type}: {token.content or token.attrs}")
        elif token.type == "text" and AUTOLINKED.search(token.content):
            found.append(f"autolink: {token.content}")
    return found


def _flattened(tokens: list[Token]) -> list[Token]:
    return [each for token in tokens for each in (token, *_flattened(token.children or []))]


def test_the_escaped_text_reads_as_written_and_holds_nothing_live() -> None:
    escaped = markdown_text(HOSTILE)
    assert not live_markup(escaped)
    shown = RENDERER.render(escaped)
    assert "![i](https:" in shown and "[x](javascript:alert(1))" in shown
    assert "&lt;b&gt;bold&lt;/b&gt;" in shown and "&lt;address&gt;" in shown
    assert "www.attacker.example" in shown


@pytest.fixture
def hostile(imported: Engine, app_env, tmp_path: Path, outbox) -> Engine:
    """The sample data with HOSTILE in partner names, titles, a contact's name, answers,
    a supporter, a suppression reason, a corrective measure and a published
    acknowledgement."""
    app_env.setenv("CONTINUITY_PUBLIC_DIR", str(tmp_path / "public"))
    get_settings.cache_clear()
    with transaction(imported) as session:
        session.execute(update(Partner).values(name=HOSTILE + " " + Partner.name))
        session.execute(update(Partnership).values(title=HOSTILE + " " + Partnership.title))
        awa = session.scalars(select(Contact).where(Contact.email == AWA)).one()
        awa.name = HOSTILE[:200]
        other = session.scalars(select(Contact).where(Contact.email != AWA)).first()
        assert other is not None
        other.suppressed_at, other.suppression_reason = NOW, HOSTILE
        record_evaluation(session, evaluation())
    draft_acknowledgements.fn()
    publish_acknowledgement(imported, outbox)
    record_answers(imported)
    return imported


def evaluation() -> EvaluationInput:
    return read_input(
        EvaluationInput,
        None,
        {
            "partnership": ASEF,
            "completed_on": "2025-05-20",
            "conclusions": {"fr": HOSTILE},
            "lessons": {"fr": HOSTILE},
            "recommendations": {"fr": HOSTILE},
            "contributors": [AWA],
        },
    )


def publish_acknowledgement(engine: Engine, outbox) -> None:
    staff(engine, "approve")
    links = ask_partner(engine, outbox)
    assert answer(portal(engine), links[AWA]["respond"], decision="approve").status_code == 200


def record_answers(engine: Engine) -> None:
    """A check-in answer that puts ASEF at risk (its words entered on the command line's
    path: the Prefect form takes none), a supporter, a corrective measure."""
    entry = ManualResponse(
        partnership=ASEF,
        kind="sustainability_checkin",
        sustained="no",
        capacity=1,
        support_needed=HOSTILE,
        comment=HOSTILE,
        received_at=datetime(2026, 11, 30, 10, tzinfo=UTC),
    )
    with transaction(engine) as session:
        record_manual_response(session, entry, NOW)
    FORMS["record-influence"](
        change={"action": "add", "partnership": ASEF, "name": HOSTILE[:250], "role": HOSTILE}
    )
    change: dict[str, Any] = {"partnership": SUSPENDED, "recorded_by": HOSTILE[:200]}
    FORMS["record-corrective-action"](change={**change, "action": "open", "reason": HOSTILE})
    FORMS["record-corrective-action"](
        change={
            **change,
            "action": "add-measure",
            "description": HOSTILE,
            "owner": "jp.mbarga@enfance-avenir.example.cm",
            "due_on": "2026-12-20",
        }
    )


def artifacts_of(flow_run_ids: list[Any]) -> dict[str, list[str]]:
    """Return, per artifact key, every Markdown text Prefect's UI would render: a markdown
    artifact whole, a table's text cells one by one."""
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=flow_run_ids))
        )
    texts: dict[str, list[str]] = {}
    for artifact in found:
        if artifact.type == "table":
            rows = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
            cells = [cell for row in rows for cell in row.values() if isinstance(cell, str)]
            texts.setdefault(artifact.key or "", []).extend(cells)
        elif artifact.type == "markdown":
            texts.setdefault(artifact.key or "", []).append(str(artifact.data))
    return texts


def run_every_artifact_flow() -> list[Any]:
    """Run each flow that publishes artifacts; return their flow run ids."""
    later = NOW + timedelta(days=25)
    preview = {
        "name": HOSTILE[:190],
        "audience": {"countries": ["SEN"]},
        "content": {"fr": {"subject": "{{ partnership.title }}", "body": "{{ partner.name }}"}},
    }
    states = [
        FLOWS["sustainability-checkins"](as_of=NOW, return_state=True),
        FORMS["adhoc-campaign"](campaign=preview, return_state=True),
        FLOWS["relationship-report"](as_of=NOW + timedelta(days=2), return_state=True),
        FLOWS["corrective-actions"](as_of=later, return_state=True),
        FLOWS["capacity-alerts"](as_of=NOW, return_state=True),
        FLOWS["public-acknowledgements"](as_of=NOW + timedelta(days=2), return_state=True),
        FLOWS["focal-point-digest"](as_of=NOW + timedelta(days=2), return_state=True),
    ]
    assert all(state.is_completed() for state in states), states
    return [state.state_details.flow_run_id for state in states]


@pytest.mark.usefixtures("future_runs_allowed")
def test_no_artifact_holds_live_markup_from_hostile_text(hostile: Engine) -> None:
    texts = artifacts_of(run_every_artifact_flow())
    carrying = {key for key, values in texts.items() if any("attacker" in v for v in values)}
    assert {
        "adhoc-campaign-preview",
        "relationship-not-heard-from",
        "relationship-at-risk",
        "relationship-bounces",
        "corrective-measures",
        "capacity-at-risk",
        "acknowledgements-sen",
    } <= carrying
    assert any(key.startswith("campaign-") and key.endswith("-summary") for key in carrying)
    live = {
        key: [found for text in values for found in live_markup(text)]
        for key, values in texts.items()
    }
    assert {key: found for key, found in live.items() if found} == {}
    assert not [key for key, values in texts.items() if any("@attacker" in v for v in values)]
    # What partners typed about people (supporters' names, contributors' comments) never
    # reaches Prefect's store: the terminal shows it, artifacts give counts and numbers.
    assert not {"relationship-supporters", "relationship-evaluation-contributors"} & carrying
