"""The response portal: the pages a message's personal link opens, in the contact's
language, usable on a phone without JavaScript. `continuity portal` serves it (uvicorn)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from continuity.database import engine_for
from continuity.portal_security import (
    BodyLimit,
    FailureLimiter,
    SecurityHeaders,
    csrf_token,
    csrf_valid,
)
from continuity.settings import Settings, get_settings
from db.engine import for_writing, transaction
from db.models import (
    ConsultationEvent,
    CorrectiveMeasure,
    MessageStatus,
    ResponseChannel,
    TouchpointKind,
)
from db.responses import current_answer, message_by_token_hash
from tasks.acknowledgements import asks_current_revision
from tasks.countries import supported_language
from tasks.forms import FORMS, LONG_TEXT, MAX_SUPPORTERS, FormError, parse_answers
from tasks.links import token_hash
from tasks.render import TEMPLATES, localized, page_environment, page_strings, paragraphs
from tasks.responses import (
    Answerable,
    Answering,
    answer_summary,
    answerable,
    opt_out,
    record_answer,
)

PAGES = {
    TouchpointKind.SUSTAINABILITY_CHECKIN: "sustainability_checkin",
    TouchpointKind.CONSULTATION_INVITATION: "consultation_invitation",
    TouchpointKind.EVALUATION_FOLLOWUP: "evaluation_followup",
    TouchpointKind.POLICY_DIGEST: "news",
    TouchpointKind.ADHOC: "news",
    TouchpointKind.CORRECTIVE_ACTION: "corrective_action",
    TouchpointKind.ACKNOWLEDGEMENT: "acknowledgement",
}
ONE_CLICK = "List-Unsubscribe=One-Click"
MAX_FIELDS = 64


def strings(language: str) -> dict[str, str]:
    return page_strings("portal", language)


@dataclass
class Portal:
    settings: Settings
    engine: Engine
    limiter: FailureLimiter = field(default_factory=FailureLimiter)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    @property
    def lifetime(self) -> timedelta:
        return timedelta(days=self.settings.token_days)

    def page(self, name: str, language: str, status: int = 200, **context: Any) -> HTMLResponse:
        template = page_environment().get_template(f"portal/{name}.html")
        html = template.render(language=language, t=strings(language), **context)
        return HTMLResponse(html, status_code=status)

    def invalid(self, request: Request, status: int = 404) -> HTMLResponse:
        """The one page for every unknown, expired, forged or refused link or form."""
        return self.page("invalid", browser_language(request), status=status)

    def opened(self, session: Session, request: Request, token: str) -> Answerable | None:
        """Return what the token opens, counting failures per client; None when invalid
        or when the client has failed too often (both look the same)."""
        client = request.client.host if request.client else "unknown"
        if self.limiter.blocked(client):
            return None
        found = answerable(session, token, self.clock(), self.lifetime)
        if found is None:
            self.limiter.record(client)
        return found

    def csrf(self, token: str) -> str:
        return csrf_token(self.settings.required_secret_key(), token_hash(token), time.time())

    def csrf_ok(self, token: str, value: str) -> bool:
        secret = self.settings.required_secret_key()
        return csrf_valid(secret, token_hash(token), value, time.time())


def browser_language(request: Request) -> str:
    """Return the first of fr, en, es the browser asks for (Accept-Language), else en."""
    for part in request.headers.get("accept-language", "")[:200].split(","):
        language = part.split(";")[0].strip().lower()[:2]
        if language in ("fr", "en", "es"):
            return language
    return "en"


def localized_date(value: date | datetime | None, language: str, time_zone: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(time_zone)).date()
    return format_date(value, format="long", locale=language)


def form_context(
    portal: Portal, session: Session, opened: Answerable, token: str, posted: dict[str, Any] | None
) -> dict[str, Any]:
    """Return what a form page shows: the touchpoint's facts, the current answers (or the
    ones just posted), and when answers close."""
    language = supported_language(opened.language)
    zone = opened.contact.partner.time_zone
    previous = current_answer(session, opened.message.id, opened.contact.id)
    values = dict(previous.answers) if previous else {}
    values.update(posted or {})
    fields = FORMS[opened.kind].model_fields
    values = {name: values.get(name, "") for name in fields} | {
        "supporters": values.get("supporters") or []
    }
    partnership = opened.partnership
    context: dict[str, Any] = {
        "action": f"/r/{token}",
        "csrf": portal.csrf(token),
        "values": values,
        "previous_at": localized_date(previous.received_at, language, zone) if previous else "",
        "closes_on": localized_date(opened.closes_at, language, zone),
        "max_text": LONG_TEXT,
        "supporter_rows": min(MAX_SUPPORTERS, max(4, len(values["supporters"]) + 1)),
        "partner": {
            "name": opened.contact.partner.name,
            "short_name": opened.contact.partner.short_name,
        },
        "partnership": {
            "title": partnership.title if partnership else "",
            "reference": partnership.reference_number if partnership else "",
            "end_date": localized_date(
                partnership.end_date if partnership else None, language, zone
            ),
        },
        "errors": {},
    }
    if opened.kind == TouchpointKind.CONSULTATION_INVITATION:
        event = session.get_one(ConsultationEvent, opened.message.context["event_id"])
        context["event"] = {
            "title": localized(event.title, language),
            "when": localized_date(event.starts_at, language, zone),
            "place": event.place,
        }
    context.update(practice_context(session, opened, language, zone))
    return context


def practice_context(
    session: Session, opened: Answerable, language: str, zone: str
) -> dict[str, Any]:
    """Return what the corrective-measure and acknowledgement pages show besides the form."""
    if opened.kind == TouchpointKind.CORRECTIVE_ACTION:
        measure = session.get_one(CorrectiveMeasure, opened.message.context["measure_id"])
        return {
            "measure": {
                "description": measure.description,
                "due_on": localized_date(measure.due_on, language, zone),
            }
        }
    if opened.kind == TouchpointKind.ACKNOWLEDGEMENT:
        asked = localized(opened.message.context["text"], language)
        return {"acknowledgement": {"paragraphs": paragraphs(asked)}}
    return {}


def answer_notice(
    session: Session, opened: Answerable, answers: dict[str, Any], language: str
) -> str:
    """Return what the thank-you page must add: that an approval or a proposal was about
    a text staff have revised since (it counts for nothing), else nothing."""
    if opened.kind != TouchpointKind.ACKNOWLEDGEMENT or answers.get("decision") == "withdraw":
        return ""
    if asks_current_revision(session, opened.message.context):
        return ""
    return strings(language)["ack_outdated"]


def answer_labels(language: str) -> dict[str, dict[str, str]]:
    t = strings(language)
    return {
        "sustained": {value: t[f"a_{value}"] for value in ("yes", "partly", "no")},
        "attending": {value: t[f"attending_{value}"] for value in ("yes", "no", "maybe")},
        "join_discussion": {value: t[f"join_{value}"] for value in ("yes", "no")},
        "status": {value: t[f"status_{value}"] for value in ("done", "on_track", "late")},
        "decision": {value: t[f"decision_{value}"] for value in ("approve", "changes", "withdraw")},
    }


async def posted_fields(request: Request) -> dict[str, str]:
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    return {key: value for key, value in form.items() if isinstance(value, str)}


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Return the portal application on the configured (or given) database."""
    settings = settings or get_settings()
    portal = Portal(settings, engine or engine_for(settings.database_url))
    app = FastAPI(title="Continuity portal", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.portal = portal
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(HTTPException)
    async def not_found(request: Request, error: HTTPException) -> Response:
        return portal.invalid(request, error.status_code)

    @app.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> str:
        return "ok"

    @app.get("/static/portal.css")
    def stylesheet() -> Response:
        css = (TEMPLATES / "portal" / "portal.css").read_text(encoding="utf-8")
        return Response(css, media_type="text/css")

    @app.get("/r/{token}")
    def show_form(request: Request, token: str) -> Response:
        with transaction(portal.engine) as session:
            opened = portal.opened(session, request, token)
            if opened is None or opened.kind not in PAGES:
                return portal.invalid(request)
            context = form_context(portal, session, opened, token, None)
            return portal.page(PAGES[opened.kind], supported_language(opened.language), **context)

    @app.post("/r/{token}")
    async def submit_form(request: Request, token: str) -> Response:
        fields = await posted_fields(request)
        with transaction(for_writing(portal.engine)) as session:
            opened = portal.opened(session, request, token)
            if opened is None or opened.kind not in PAGES:
                return portal.invalid(request)
            if not portal.csrf_ok(token, fields.get("csrf", "")):
                return portal.invalid(request, 403)
            language = supported_language(opened.language)
            try:
                answers = parse_answers(opened.kind, fields)
            except FormError as error:
                context = form_context(portal, session, opened, token, fields)
                context["errors"] = error.fields
                return portal.page(PAGES[opened.kind], language, status=400, **context)
            who = Answering.opened_by(opened)
            response = record_answer(session, who, answers, ResponseChannel.PORTAL, portal.clock())
            recorded = answer_summary(response.answers)
            closes_on = localized_date(opened.closes_at, language, opened.contact.partner.time_zone)
            notice = answer_notice(session, opened, response.answers, language)
        return portal.page(
            "thanks",
            language,
            recorded=recorded,
            labels=answer_labels(language),
            closes_on=closes_on,
            notice=notice,
        )

    @app.get("/opt-out/{token}")
    def confirm_opt_out(request: Request, token: str) -> Response:
        with transaction(portal.engine) as session:
            message = opt_out_target(portal, session, request, token)
            if message is None:
                return portal.invalid(request)
            language = supported_language(message.language)
            return portal.page(
                "opt_out",
                language,
                action=f"/opt-out/{token}",
                csrf=portal.csrf(token),
                address=message.contact.name,
            )

    @app.post("/opt-out/{token}")
    async def do_opt_out(request: Request, token: str) -> Response:
        fields = await posted_fields(request)
        one_click = fields.get("List-Unsubscribe") == "One-Click"
        with transaction(for_writing(portal.engine)) as session:
            message = opt_out_target(portal, session, request, token)
            if message is None:
                return portal.invalid(request)
            if not one_click and not portal.csrf_ok(token, fields.get("csrf", "")):
                return portal.invalid(request, 403)
            opt_out(session, message.contact, portal.clock(), ResponseChannel.PORTAL, message)
            language = supported_language(message.language)
        if one_click:
            return PlainTextResponse("unsubscribed")
        return portal.page("opted_out", language)

    return app


def opt_out_target(portal: Portal, session: Session, request: Request, token: str):
    """Return the message whose token is given, at any age: an opt-out link never stops
    working. None (and a failure counted) when there is none."""
    client = request.client.host if request.client else "unknown"
    if portal.limiter.blocked(client) or not token or len(token) > 128:
        return None
    message = message_by_token_hash(session, token_hash(token))
    if message is None or message.status not in (MessageStatus.SENT, MessageStatus.BOUNCED):
        portal.limiter.record(client)
        return None
    return message
