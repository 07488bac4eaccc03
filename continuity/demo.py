"""`continuity demo`: two simulated years after the sample partnerships ended.

Everything happens in `./demo/` (its own SQLite database, outbox and inbox Maildirs),
started afresh on every run. Simulated time walks forward twice a week through `as_of`;
each step runs every touchpoint flow's pass (flows/touchpoint.py, the same function the
flows call) as their schedules would, and simulated partners answer: portal posts
(through the real portal app), e-mail replies and auto-replies dropped into the inbox, a
hard bounce, an opt-out.
"""

from __future__ import annotations

import mailbox
import os
import random
import re
import secrets
import shutil
import tomllib
import warnings
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.utils import format_datetime
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    # Starlette asks for httpx2 here; the simulated partners need nothing it changes.
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient
from rich.console import Console
from rich.progress import Progress
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from continuity.portal.app import create_app
from db.engine import engine_for, transaction
from db.migrate import upgrade
from db.models import Message, TouchpointKind
from flows.touchpoint import PLAIN, touchpoint_pass
from tasks.acknowledgements.changes import AcknowledgementChange
from tasks.acknowledgements.changes import apply_change as apply_acknowledgement
from tasks.acknowledgements.register import draft_missing
from tasks.acknowledgements.stages import publish_pages
from tasks.clock import Clock
from tasks.corrective.changes import CorrectiveChange
from tasks.corrective.changes import apply_change as apply_corrective
from tasks.etools.importer import import_etools
from tasks.follow_up_policy import load_policy
from tasks.responses.collect import collect_mail
from tasks.responses.links import bounce_address, reply_address
from tasks.settings import Settings, get_settings
from tasks.staff.focal_points import add_focal_point
from tasks.staff.records import (
    EvaluationInput,
    EventInput,
    UpdateInput,
    read_input,
    record_evaluation,
    record_event,
    record_update,
)
from tasks.touchpoints.registry import scheduled_kinds

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
START = datetime(2025, 1, 6, tzinfo=UTC)
STEPS = 2 * 53 * 2
BOUNCING = "e.lokwawi@tget.example.or.ke"
OPTING_OUT = "s.odhiambo@krcs.example.or.ke"
AWAY = "jp.mbarga@enfance-avenir.example.cm"


def moments() -> list[datetime]:
    """Monday 07:00 and Thursday 15:00 UTC each week: between them every sample country's
    office hours come round."""
    found = []
    for week in range(STEPS // 2):
        monday = START + timedelta(weeks=week)
        found += [monday.replace(hour=7), monday + timedelta(days=3, hours=15)]
    return found


def prepare(root: Path) -> Settings:
    """Start afresh in `root` and point this process's settings at it."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    os.environ.update(
        {
            "CONTINUITY_DATABASE_URL": f"sqlite:///{root.resolve() / 'continuity.db'}",
            "CONTINUITY_MAIL_URL": f"maildir://{root.resolve() / 'outbox'}",
            "CONTINUITY_INBOX_URL": f"maildir://{root.resolve() / 'inbox'}",
            "CONTINUITY_RATE_LIMIT": "0",
            "CONTINUITY_PUBLIC_DIR": str(root.resolve() / "public"),
        }
    )
    os.environ.setdefault("CONTINUITY_SECRET_KEY", secrets.token_hex(32))
    get_settings.cache_clear()
    settings = get_settings()
    upgrade(settings.database_url)
    return settings


def seed(engine: Engine) -> None:
    """Import the sample exports and record the staff data the flows will send."""
    with transaction(engine) as session:
        import_etools(
            session,
            SAMPLES / "etools" / "partners.csv",
            SAMPLES / "etools" / "interventions.csv",
            load_policy(),
        )
        record_event(session, read_input(EventInput, SAMPLES / "demo" / "event.toml", {}))
        for name in ("update-1.toml", "update-2.toml"):
            data = read_input(UpdateInput, SAMPLES / "demo" / name, {})
            record_update(session, data, data.published_at or START)
        record_evaluation(
            session, read_input(EvaluationInput, SAMPLES / "demo" / "evaluation.toml", {})
        )
        seed_practices(session)


def seed_practices(session: Session) -> None:
    """Register the focal points, open the corrective plan with its measures, draft the
    acknowledgements and approve some for UNICEF (samples/demo/corrective.toml)."""
    with (SAMPLES / "demo" / "corrective.toml").open("rb") as file:
        data = tomllib.load(file)
    for focal in data["focal_points"]:
        add_focal_point(session, focal["name"], focal["address"], focal["language"])
    common = {"partnership": data["partnership"], "recorded_by": data["recorded_by"]}
    changes = [CorrectiveChange(action="open", reason=data["reason"], **common)]
    changes += [CorrectiveChange(action="add-measure", **m, **common) for m in data["measures"]]
    for change in changes:
        apply_corrective(session, change, START)
    draft_missing(session)
    for reference in data["acknowledgements"]["approve"]:
        approval = AcknowledgementChange(
            action="approve", partnership=reference, recorded_by=data["recorded_by"]
        )
        apply_acknowledgement(session, approval, START)


class Partners:
    """Simulated partners: they answer some messages, by the portal or by e-mail."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings, self.engine = settings, engine
        self.random = random.Random(2025)
        self.app = create_app(settings, engine)
        self.portal = TestClient(self.app, base_url=settings.portal_url)
        self.outbox = mailbox.Maildir(
            Path(settings.mail_url.removeprefix("maildir://")), create=True
        )
        self.inbox = mailbox.Maildir(
            Path(settings.inbox_url.removeprefix("maildir://")), create=True
        )
        self.read: set[str] = set()
        self.counts: Counter[str] = Counter()

    def new_mail(self) -> list[Any]:
        fresh = [key for key in self.outbox.iterkeys() if key not in self.read]
        self.read.update(fresh)
        return [
            message_from_bytes(self.outbox.get_bytes(key), policy=policy.default) for key in fresh
        ]

    def answer(self, moment: datetime) -> None:
        self.app.state.portal.clock = Clock.at(moment + timedelta(hours=20))
        rows = self.sent_rows()
        delivered = [(rows[str(mail["Message-ID"])], mail) for mail in self.new_mail()]
        # In outbox order, so the same seed gives the same answers on every run.
        for row, mail in sorted(delivered, key=lambda pair: pair[0].id):
            self.react(mail, row)

    def sent_rows(self) -> dict[str, Message]:
        with transaction(self.engine) as session:
            query = select(Message).where(Message.message_id.is_not(None))
            return {row.message_id: row for row in session.scalars(query) if row.message_id}

    def react(self, mail: Any, row: Message) -> None:
        address = str(mail["To"]).split("<")[-1].rstrip(">")
        text = mail.get_body(("plain",)).get_content()
        link = next((word for word in text.split() if "/r/" in word), "")
        if address == BOUNCING:
            return self.drop("postfix-dsn-hard.eml", row, address, "bounce")
        if address == OPTING_OUT:
            opt_out = next(word for word in text.split() if "/opt-out/" in word)
            self.portal.post(
                opt_out.removeprefix(self.settings.portal_url),
                content=b"List-Unsubscribe=One-Click",
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
            self.counts["opted out"] += 1
            return None
        if address == AWAY and self.random.random() < 0.5:
            return self.drop("autoreply-subject-only.eml", row, address, "auto-reply")
        roll = self.random.random()
        kind = TouchpointKind(row.kind)
        if kind == TouchpointKind.POLICY_DIGEST:
            return self.drop("reply-fr.eml", row, address, "e-mail reply") if roll < 0.15 else None
        if roll < 0.5:
            self.post_answers(link, kind if kind != TouchpointKind.REMINDER else None)
        elif roll < 0.65:
            self.drop("reply-fr.eml", row, address, "e-mail reply")
        return None

    def post_answers(self, link: str, kind: TouchpointKind | None) -> None:
        path = link.removeprefix(self.settings.portal_url)
        page = self.portal.get(path)
        if page.status_code != 200 or 'name="csrf"' not in page.text:
            return
        csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        fields = {"csrf": csrf, "comment": "Réponse simulée pour la démonstration"}
        if 'name="sustained"' in page.text:
            fields |= {
                "sustained": self.random.choice(["yes", "yes", "partly", "no"]),
                "capacity": str(self.random.choice([1, 2, 3, 4, 4, 5])),
                "supporter-0-name": self.random.choice(
                    ["Mairie", "Comité de gestion scolaire", "District health office"]
                ),
                "supporter-0-kind": "body",
            }
        elif 'name="status"' in page.text:
            fields["status"] = self.random.choice(["on_track", "late", "done"])
        elif 'name="decision"' in page.text:
            fields["decision"] = self.random.choice(["approve", "approve", "changes"])
            fields["changes"] = "Merci de citer aussi nos partenaires communautaires."
        elif 'name="attending"' in page.text:
            fields["attending"] = self.random.choice(["yes", "maybe", "no"])
        else:
            fields["news"] = "Nous continuons nos activités avec les communautés."
        if self.portal.post(path, data=fields).status_code == 200:
            self.counts["portal answer"] += 1

    def drop(self, sample: str, row: Message, address: str, what: str) -> None:
        secret = self.settings.required_secret_key()
        text = (SAMPLES / "mail" / sample).read_text(encoding="utf-8")
        for name, value in {
            "$recipient": address,
            "$message_id": row.message_id or "",
            "$reply_to": reply_address(secret, row.id, self.settings.sender),
            "$bounce_to": bounce_address(secret, row.id, self.settings.sender),
        }.items():
            text = text.replace(name, value)
        # Each simulated mail needs a Message-ID of its own, or it would count once, and
        # the day it was written (a reply is dated by it).
        text = re.sub(r"(?im)^message-id: <", f"Message-ID: <demo-{row.id}.", text, count=1)
        written = format_datetime(self.app.state.portal.clock.now())
        text = re.sub(r"(?im)^date: [^\r\n]*", f"Date: {written}", text, count=1)
        self.inbox.add(text.encode("utf-8"))
        self.counts[what] += 1


def step(engine: Engine, settings: Settings, partners: Partners, moment: datetime) -> None:
    """One scheduler pass at `moment`: each touchpoint flow's pass (flows/touchpoint.py:
    plan, render check, recover, drain, report), then partners answer and the inbox is
    read."""
    for kind in scheduled_kinds():
        touchpoint_pass(kind, Clock.at(moment), PLAIN)
    partners.answer(moment)
    collect_mail(engine, settings, moment + timedelta(hours=22))


def run(root: Path = Path("demo"), console: Console | None = None) -> dict[str, Any]:
    """Run the demo in `root`; return the outbox by status and what partners did."""
    console = console or Console()
    settings = prepare(root)
    engine = engine_for(settings.database_url)
    seed(engine)
    partners = Partners(settings, engine)
    with Progress(console=console, transient=False) as progress:
        walk = progress.add_task("two years after closure", total=len(moments()))
        for moment in moments():
            step(engine, settings, partners, moment)
            progress.update(walk, advance=1, description=f"{moment:%Y-%m-%d}")
    published = publish_pages.fn(Clock.at(moments()[-1]))
    with transaction(engine) as session:
        statuses = Counter(str(status) for status in session.scalars(select(Message.status)))
    return {
        "published": published["pages"],
        "messages": dict(statuses),
        "partners did": dict(partners.counts),
        "root": root.resolve(),
        "end": moments()[-1],
    }
