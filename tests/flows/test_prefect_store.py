"""After a cycle of every scheduled flow and the staff forms on a real Prefect API (the
suite's harness server), Prefect's database file names partners and contact numbers,
never partner staff: not their names, addresses (an internationalised one too),
personal-link tokens or what they wrote, in logs, artifacts, runs' parameters, states or
events; nor do the runs' results, persisted as an operator may choose."""

from __future__ import annotations

import base64
import json
import mailbox
import re
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

import httpx
import pytest
from prefect.events.worker import EventsWorker
from prefect.logging.handlers import APILogWorker
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_LOCAL_STORAGE_PATH,
    PREFECT_RESULTS_PERSIST_BY_DEFAULT,
    PREFECT_SERVER_DATABASE_CONNECTION_URL,
    temporary_settings,
)
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from continuity.cli.main import app
from db.engine import transaction
from db.models import Contact, CorrectivePlan, Message, MessageStatus, TouchpointKind
from flows.registry import FLOWS, FORMS
from tasks.responses.links import reply_address
from tasks.settings import get_settings
from tests.artifacts import latest_artifact
from tests.flows.people_acting import report_measure_status, suppress_by_staff
from tests.flows.test_touchpoint import prefect_texts
from tests.pipeline import messages, sample_mail

pytestmark = pytest.mark.usefixtures("prefect_api")
T = datetime(2026, 12, 1, 12, tzinfo=UTC)
ASEF = "SEN/PCA2021001/PD2021004"
SENDER = "UNICEF Partnerships <partnerships@example.org>"
# Partner staff with names found nowhere else, each by the sample address they replace.
OUMY = ("Oumy Xandrelle Faye", "oumy.xandrelle@asef-senegal.example.org")
ZENAIDE = ("Zénaïde Quillardet-Mbaye", "z.quillardet@école-kolda.sn")
WILHELMINA = ("Wilhelmina Okonkwo", "w.okonkwo@kccpn.example.or.ke")
THEODULPHE = ("Théodulphe Ngirabakunzi", "t.ngirabakunzi@enfance-avenir.example.cm")
PEOPLE = {
    "a.ndiaye@asef-senegal.example.org": OUMY,
    "ml.diallo@asef-senegal.example.org": ZENAIDE,
    "p.kamau@kccpn.example.or.ke": WILHELMINA,
    "jp.mbarga@enfance-avenir.example.cm": THEODULPHE,
}
SUSPENDED = "CMR/PCA2019012/PD2023003"
EVALUATION = {
    "partnership": ASEF,
    "completed_on": "2026-11-20",
    "conclusions": {"fr": "Des résultats solides."},
    "lessons": {"fr": "Associer les familles."},
    "recommendations": {"fr": "Étendre."},
}
CAMPAIGN = {
    "name": "Nouvelles",
    "audience": {"countries": ["SEN", "CMR"]},
    "content": {"fr": {"subject": "Pour {{ contact.name }}", "body": "Bonjour {{ contact.name }}"}},
}
# What they wrote: a reply, a mail from a private address, an answer given by phone.
REPLY_WORDS = "Le comité Kwabenaville tient toujours ses réunions."
UNMATCHED_WORDS = "Je vous écris de Tchoukoutouville, depuis mon adresse personnelle."
PHONE_WORDS = "Nous avons besoin de formatrices à Mbandjockville."
# Staff's reason for suppressing Zénaïde, naming her; Théodulphe's words on his measure.
SUPPRESSION = f"{ZENAIDE[0]} a appelé depuis Ndiaganiaoville: plus de courriels"
MEASURE_WORDS = "Notre trésorière de Bafoussamville a démissionné."
TOKEN = re.compile(r"/(?:r|opt-out|handled)/([A-Za-z0-9_\-]{16,})")


@pytest.fixture
def people(imported: Engine, app_env, tmp_path: Path) -> dict[str, int]:
    """The sample data with four partner contacts renamed; their numbers by name."""
    app_env.setenv("CONTINUITY_INBOX_URL", f"maildir://{tmp_path / 'inbox'}")
    get_settings.cache_clear()
    with transaction(imported) as session:
        for address, (name, new_address) in PEOPLE.items():
            contact = session.scalars(select(Contact).where(Contact.email == address)).one()
            contact.name, contact.email = name, new_address
        session.flush()
        found = session.scalars(
            select(Contact).where(Contact.name.in_(n for n, _ in PEOPLE.values()))
        )
        return {contact.name: contact.id for contact in found}


def forbidden(outbox_mails) -> list[str]:
    """Every spelling of what must not reach Prefect: names, their words, addresses in both
    forms, and the tokens of the personal links they were sent."""
    texts = [REPLY_WORDS, UNMATCHED_WORDS, PHONE_WORDS, "zenaide.quillardet@gmail.example"]
    texts += [SUPPRESSION, "Ndiaganiaoville", MEASURE_WORDS, "Bafoussamville"]
    for name, address in PEOPLE.values():
        local, _, domain = address.partition("@")
        # The full name, and each part no other sample data could hold.
        parts = [part for part in name.replace("-", " ").split() if len(part) >= 6]
        texts += [name, *parts, address, local]
        texts.append(f"{local}@{domain.encode('idna').decode('ascii')}")
    tokens = [
        token
        for mail in outbox_mails
        for token in TOKEN.findall(mail.get_body(("plain",)).get_content())
    ]
    assert tokens
    return texts + tokens


def variants(text: str) -> set[bytes]:
    """The bytes `text` may be stored as: UTF-8, or JSON with non-ASCII escaped."""
    return {text.encode(), json.dumps(text)[1:-1].encode()}


def mail_from(name: str, address: str, to: str, words: str, about: Message | None) -> bytes:
    """A mail from `name` saying `words` and signed, in reply to `about` if given."""
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = f"{name} <{address}>", to, "Re: nouvelles"
    mail["Message-ID"] = f"<{abs(hash(words))}@partner.example>"
    if about is not None:
        mail["In-Reply-To"] = mail["References"] = about.message_id or ""
    mail.set_content(f"{words}\n\n{name}\n")
    return bytes(mail)


def checkin_to(engine: Engine, address: str) -> Message:
    (message,) = [
        m
        for m in messages(engine, kind=TouchpointKind.SUSTAINABILITY_CHECKIN)
        if m.contact.email == address
    ]
    return message


def run_cycle(engine: Engine, numbers: dict[str, int], inbox: Path) -> list:
    """Run every scheduled flow, and the staff forms, over a partner's reply, an unmatched
    mail, a bounce and an answer by phone; return the runs' states."""
    states = [
        FLOWS["sustainability-checkins"](as_of=T, dry_run=True, return_state=True),
        FLOWS["sustainability-checkins"](as_of=T, return_state=True),
        FLOWS["deliver-outbox"](as_of=T + timedelta(hours=1), return_state=True),
    ]
    drop_mail(engine, inbox)
    states.append(FLOWS["collect-responses"](as_of=T + timedelta(days=1), return_state=True))
    states += fill_staff_forms(numbers)
    later = T + timedelta(days=2)
    for name in SCHEDULED_LATER:
        states.append(FLOWS[name](as_of=later, dry_run=True, return_state=True))
        states.append(FLOWS[name](as_of=later, return_state=True))
    states.append(FLOWS["relationship-report"](as_of=later, return_state=True))
    states.append(FLOWS["data-retention"](as_of=T + timedelta(days=400), return_state=True))
    return states


SCHEDULED_LATER = (
    "capacity-alerts",
    "focal-point-digest",
    "evaluation-followup",
    "reminders",
    "corrective-actions",
)


def drop_mail(engine: Engine, inbox: Path) -> None:
    """Oumy's reply to her check-in, Zénaïde writing from a private address, a bounce of
    Wilhelmina's check-in."""
    oumy = checkin_to(engine, OUMY[1])
    box = mailbox.Maildir(inbox, create=True)
    box.add(mail_from(*OUMY, reply_address("s" * 48, oumy.id, SENDER), REPLY_WORDS, oumy))
    private = "zenaide.quillardet@gmail.example"
    box.add(mail_from(ZENAIDE[0], private, SENDER, UNMATCHED_WORDS, None))
    box.add(sample_mail("postfix-dsn-hard.eml", checkin_to(engine, WILHELMINA[1])))


def fill_staff_forms(numbers: dict[str, int]) -> list:
    """What staff enter in the Prefect UI, naming partners' people by number: a focal point,
    Zénaïde's answer by phone (her words through the command line), an evaluation Oumy
    contributed to, a measure Théodulphe owns and the language he reads, a campaign's
    preview, an export of the answers."""
    FORMS["record-focal-point"](
        focal_point={
            "name": "Aïssatou Sow",
            "address": "a.sow@unicef.example.org",
            "language": "fr",
        }
    )
    zenaide = numbers[ZENAIDE[0]]
    answer = {"partnership": ASEF, "contact": zenaide, "kind": "sustainability_checkin"}
    answered = {**answer, "sustained": "no", "capacity": 1}
    states = [FORMS["record-response"](response=answered, return_state=True)]
    words = ["--support-needed", PHONE_WORDS, "--contact", str(zenaide)]
    command = ["response", "add", "--partnership", ASEF, "--kind", "sustainability_checkin"]
    done = CliRunner().invoke(app, [*command, "--sustained", "no", "--capacity", "1", *words])
    assert done.exit_code == 0, done.output
    evaluation = {**EVALUATION, "contributors": [numbers[OUMY[0]]]}
    states.append(FORMS["record-evaluation"](evaluation=evaluation, return_state=True))
    plan = {"partnership": SUSPENDED, "recorded_by": "Hélène Fouda"}
    opened = {**plan, "action": "open", "reason": "no progress for two quarters"}
    states.append(FORMS["record-corrective-action"](change=opened, return_state=True))
    owner = str(numbers[THEODULPHE[0]])
    measure = {**plan, "action": "add-measure", "description": "Recruter", "owner": owner}
    added = {**measure, "due_on": (T + timedelta(days=9)).date().isoformat()}
    states.append(FORMS["record-corrective-action"](change=added, return_state=True))
    asked = {"contact": numbers[THEODULPHE[0]], "language": "en", "by": "Hélène Fouda"}
    language = {**asked, "reason": "the contact asked for this language"}
    states.append(FORMS["set-contact-language"](change=language, return_state=True))
    states.append(FORMS["adhoc-campaign"](campaign=CAMPAIGN, return_state=True))
    states.append(FORMS["export-data"](export={"what": "responses"}, return_state=True))
    return states


def prefect_database() -> bytes:
    """The Prefect server's database file and its write-ahead log, once the runs' logs and
    events are sent."""
    APILogWorker.drain_all(timeout=30)
    EventsWorker.drain_all()
    url = PREFECT_SERVER_DATABASE_CONNECTION_URL.value()
    assert url and url.startswith("sqlite+aiosqlite:///"), url
    path = Path(url.removeprefix("sqlite+aiosqlite:///"))
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def events_stored(flow_run_id) -> bool:
    query = {
        "filter": {
            "event": {"name": ["prefect.flow-run.Completed"]},
            "resource": {"id": [f"prefect.flow-run.{flow_run_id}"]},
        }
    }
    found = httpx.post(f"{PREFECT_API_URL.value()}/events/filter", json=query, timeout=10)
    return bool(found.json()["events"])


def wait_for_events(flow_run_id) -> None:
    """Wait until the server stored the run's last event (events are written in batches)."""
    deadline = time.monotonic() + 60
    while not events_stored(flow_run_id):
        assert time.monotonic() < deadline, "the last run's events were not stored"
        time.sleep(0.5)


@pytest.mark.usefixtures("future_runs_allowed")
def test_prefect_keeps_partners_and_numbers_never_their_people(
    imported: Engine, people: dict[str, int], outbox, tmp_path: Path
) -> None:
    # Results persisted too, as an operator may choose (pickled, in base64): no run may
    # return a person.
    stored = tmp_path / "results"
    persisted = {PREFECT_RESULTS_PERSIST_BY_DEFAULT: True, PREFECT_LOCAL_STORAGE_PATH: stored}
    with temporary_settings(persisted):
        suppress_by_staff(ZENAIDE[1], SUPPRESSION)
        states = run_cycle(imported, people, tmp_path / "inbox")
        later = T + timedelta(days=3)
        report_measure_status(imported, outbox(), THEODULPHE[1], "Recruter", MEASURE_WORDS, later)
        states.append(FLOWS["corrective-actions"](as_of=later, return_state=True))
    assert all(state.is_completed() for state in states), [s.message for s in states]
    assert messages(imported, status=MessageStatus.BOUNCED)  # Wilhelmina's address bounced
    # What the cycle did: the reply, the unmatched mail and the bounce were read, the
    # answer by phone recorded, the focal point told.
    collected = states[3].result()["collected"]
    assert collected == {"reply": 1, "unmatched": 1, "bounce": 1}
    to = Counter(parseaddr(mail["To"])[1] for mail in outbox())
    assert to[OUMY[1]] == 2 and to[THEODULPHE[1]] == 2  # evaluation, corrective measure
    assert "Bonjour [contact " in latest_artifact("adhoc-campaign-preview")
    to_sow = [m for m in outbox() if "a.sow@unicef.example.org" in m["To"]]
    told = "".join(mail.get_body(("plain",)).get_content() for mail in to_sow)
    assert REPLY_WORDS in told and PHONE_WORDS in told and OUMY[0] in told
    bounces = json.loads(latest_artifact("relationship-bounces"))
    suppressed = {row["contact"]: row["what"] for row in bounces if row["contact"]}
    assert suppressed == {
        people[WILHELMINA[0]]: "suppressed: hard bounce",
        people[ZENAIDE[0]]: "suppressed by staff",
    }
    assert not any("name" in row for row in bounces)
    checkins = prefect_texts(states[1].state_details.flow_run_id)
    assert "'skip_reasons': {'suppressed by staff': 1}" in checkins
    with transaction(imported) as session:
        plan_id = session.scalars(select(CorrectivePlan.id)).one()
    trail = latest_artifact(f"corrective-plan-{plan_id}-trail")
    assert f"partner: contact {people[THEODULPHE[0]]}" in trail and "comment changed" in trail
    wait_for_events(states[-1].state_details.flow_run_id)
    results = [
        base64.decodebytes(path.read_bytes()) for path in stored.rglob("*") if path.is_file()
    ]
    assert len(results) > len(states)  # every flow's result, and its tasks'
    held = prefect_database() + b"".join(results)
    assert b"Kenya Community Child Protection Network" in held  # partners are named
    assert b"relationship-report" in held and b"data-retention" in held
    leaked = [text for text in forbidden(outbox()) if any(v in held for v in variants(text))]
    assert leaked == []
