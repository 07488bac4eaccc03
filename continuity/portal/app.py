"""The response portal: the pages a message's personal link opens, in the contact's
language, usable on a phone without JavaScript. `continuity portal` serves it (uvicorn).

Database work never runs on the event loop: GET pages are plain functions (FastAPI runs
them in its thread pool), POST bodies are read asynchronously and then handed to the pool,
so a write waiting for a lock (SQLite's, a row's) holds one thread, not the whole portal;
`/healthz` answers from the event loop."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from continuity.portal.access_log import keep_tokens_out_of_logs
from continuity.portal.handling import show_handling, submit_handling
from continuity.portal.labels import problems
from continuity.portal.languages import View, anyone, contact_view, own_names, switch_language
from continuity.portal.limits import FailureLimiter, client_key
from continuity.portal.pages import asking, form_context, reader_of, thanks_context
from continuity.portal.privacy import FORGOTTEN, confirm_forget, download, forget, show_data
from continuity.portal.security import BodyLimit, SecurityHeaders, csrf_token, csrf_valid
from db.engine import engine_for, for_writing, transaction
from db.models import Message, ResponseChannel
from tasks.clock import Clock
from tasks.outbox.render import TEMPLATES, page_environment
from tasks.responses.answers import (
    Answering,
    answerable,
    opt_out,
    reached,
    record_answer,
)
from tasks.responses.forms import FormError
from tasks.responses.links import token_hash
from tasks.settings import Settings, get_settings
from tasks.translations import direction

MAX_FIELDS = 64


@dataclass
class Portal:
    settings: Settings
    engine: Engine
    limiter: FailureLimiter = field(default_factory=FailureLimiter)
    clock: Clock = field(default_factory=Clock)

    @property
    def lifetime(self) -> timedelta:
        return timedelta(days=self.settings.token_days)

    @property
    def opt_out_lifetime(self) -> timedelta:
        return timedelta(days=self.settings.opt_out_days)

    def page(self, name: str, view: View, status: int = 200, **context: Any) -> HTMLResponse:
        """Return the page `name` as `view` shows it, its language in Content-Language."""
        template = page_environment().get_template(f"portal/{name}.html")
        html = template.render(
            language=view.language,
            direction=direction(view.language),
            view=view,
            languages=own_names(),
            **context,
        )
        response = HTMLResponse(html, status_code=status)
        response.headers["Content-Language"] = view.language
        return response

    def invalid(self, request: Request, status: int = 404) -> HTMLResponse:
        """The one page for every unknown, expired, forged or refused link or form."""
        return self.page("invalid", anyone(request), status=status)

    def failed(self, request: Request) -> HTMLResponse:
        """Return the page for a failed token look-up, counted against the client: 404, or
        429 with Retry-After once the client failed too often. Only failures are ever
        refused: a valid link never comes here, however often its client failed."""
        retry_after = self.limiter.record(client_key(request.client and request.client.host))
        if not retry_after:
            return self.invalid(request)
        page = self.invalid(request, 429)
        page.headers["Retry-After"] = str(retry_after)
        return page

    def csrf(self, token: str) -> str:
        return csrf_token(self.settings.required_secret_key(), token_hash(token), time.time())

    def csrf_ok(self, token: str, value: str) -> bool:
        secret = self.settings.required_secret_key()
        return csrf_valid(secret, token_hash(token), value, time.time())


async def posted_fields(request: Request) -> dict[str, str]:
    """Return the posted form's text fields (files ignored); a malformed body or too many
    fields raise a 400 `HTTPException`."""
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    return {key: value for key, value in form.items() if isinstance(value, str)}


def show_form(portal: Portal, request: Request, token: str) -> Response:
    with transaction(portal.engine) as session:
        opened = answerable(session, token, portal.clock.now(), portal.lifetime)
        asked = asking(opened)
        if opened is None or asked is None:
            return portal.failed(request)
        view = contact_view(portal, request, opened.contact, token, "form")
        reader = reader_of(opened, view.language)
        context = form_context(portal, session, opened, token, reader, None)
        return portal.page(asked.page, view, **context)


def submit_form(portal: Portal, request: Request, token: str, fields: dict[str, str]) -> Response:
    """Record the posted answers (in the thread pool: it waits for locks)."""
    with transaction(for_writing(portal.engine)) as session:
        opened = answerable(session, token, portal.clock.now(), portal.lifetime)
        asked = asking(opened)
        if opened is None or asked is None:
            return portal.failed(request)
        if not portal.csrf_ok(token, fields.get("csrf", "")):
            return portal.invalid(request, 403)
        view = contact_view(portal, request, opened.contact, token, "form")
        reader = reader_of(opened, view.language)
        try:
            answers = asked.answers_from(fields)
        except FormError as error:
            context = form_context(portal, session, opened, token, reader, fields)
            context["errors"] = problems(error, reader)
            return portal.page(asked.page, view, status=400, **context)
        who = Answering.opened_by(opened)
        response = record_answer(session, who, answers, ResponseChannel.PORTAL, portal.clock.now())
        context = thanks_context(session, opened, response.answers, reader)
        return portal.page("thanks", view, **context)


def unsubscribable(portal: Portal, session: Session, token: str) -> Message | None:
    """Return the message whose opt-out link this is, while it works
    (`CONTINUITY_OPT_OUT_DAYS` after it went out), for any message that may have reached
    the contact, unconfirmed ones included; else None."""
    return reached(session, token, portal.clock.now(), portal.opt_out_lifetime)


def confirm_opt_out(portal: Portal, request: Request, token: str) -> Response:
    with transaction(portal.engine) as session:
        message = unsubscribable(portal, session, token)
        if message is None:
            return portal.failed(request)
        view = contact_view(portal, request, message.contact, token, "opt-out")
        if message.contact.opted_out_at is not None:
            return portal.page("opted_out", view)
        return portal.page(
            "opt_out",
            view,
            action=f"/opt-out/{token}",
            csrf=portal.csrf(token),
            address=message.contact.name,
            data_link=f"/data/{token}",
        )


def do_opt_out(portal: Portal, request: Request, token: str, fields: dict[str, str]) -> Response:
    """Opt the contact out (in the thread pool): from the confirmation form (CSRF), or
    the RFC 8058 one-click POST, which carries no form of ours."""
    one_click = fields.get("List-Unsubscribe") == "One-Click"
    with transaction(for_writing(portal.engine)) as session:
        message = unsubscribable(portal, session, token)
        if message is None:
            return portal.failed(request)
        if not one_click and not portal.csrf_ok(token, fields.get("csrf", "")):
            return portal.invalid(request, 403)
        opt_out(session, message.contact, portal.clock.now(), ResponseChannel.PORTAL, message)
        view = contact_view(portal, request, message.contact, token, "opt-out")
    if one_click:
        return PlainTextResponse("unsubscribed")
    return portal.page("opted_out", view)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Return the portal application on the configured (or given) database."""
    settings = settings or get_settings()
    keep_tokens_out_of_logs()
    portal = Portal(settings, engine or engine_for(settings.database_url))
    app = FastAPI(title="Continuity portal", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.portal = portal
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(HTTPException)
    async def not_found(request: Request, error: HTTPException) -> Response:
        return portal.invalid(request, error.status_code)

    add_pages(app, portal)
    add_posts(app, portal)
    return app


def add_pages(app: FastAPI, portal: Portal) -> None:
    """The GET routes. Plain functions: FastAPI runs them in its thread pool."""

    @app.get("/healthz", response_class=PlainTextResponse)
    async def healthz() -> str:
        # async: answered on the event loop, never queued behind database work that
        # waits for a lock in the thread pool.
        return "ok"

    @app.get("/static/portal.css")
    def stylesheet() -> Response:
        css = (TEMPLATES / "portal" / "portal.css").read_text(encoding="utf-8")
        return Response(css, media_type="text/css")

    @app.get("/r/{token}")
    def form_page(request: Request, token: str) -> Response:
        return show_form(portal, request, token)

    @app.get("/opt-out/{token}")
    def opt_out_page(request: Request, token: str) -> Response:
        return confirm_opt_out(portal, request, token)

    @app.get("/handled/{token}")
    def handling_page(request: Request, token: str) -> Response:
        return show_handling(portal, request, token)

    @app.get("/data/{token}")
    def data_page(request: Request, token: str) -> Response:
        return show_data(portal, request, token)

    @app.get("/data/{token}/forget")
    def forget_page(request: Request, token: str) -> Response:
        return confirm_forget(portal, request, token)

    @app.get("/forgotten")
    def forgotten_page(request: Request) -> Response:
        return portal.page("forgotten", anyone(request, FORGOTTEN))


def add_posts(app: FastAPI, portal: Portal) -> None:
    """The POST routes: the body is read on the event loop, the database work is done in
    the thread pool."""

    @app.post("/r/{token}")
    async def post_form(request: Request, token: str) -> Response:
        fields = await posted_fields(request)
        return await run_in_threadpool(submit_form, portal, request, token, fields)

    @app.post("/opt-out/{token}")
    async def post_opt_out(request: Request, token: str) -> Response:
        fields = await posted_fields(request)
        return await run_in_threadpool(do_opt_out, portal, request, token, fields)

    @app.post("/handled/{token}")
    async def post_handling(request: Request, token: str) -> Response:
        fields = await posted_fields(request)
        return await run_in_threadpool(submit_handling, portal, request, token, fields)

    @app.post("/data/{token}/export")
    async def post_export(request: Request, token: str) -> Response:
        fields = await posted_fields(request)
        return await run_in_threadpool(download, portal, request, token, fields)

    @app.post("/data/{token}/forget")
    async def post_forget(request: Request, token: str) -> Response:
        fields = await posted_fields(request)
        return await run_in_threadpool(forget, portal, request, token, fields)

    @app.post("/language/{token}")
    async def post_language(request: Request, token: str) -> Response:
        fields = await posted_fields(request)
        return await run_in_threadpool(switch_language, portal, request, token, fields)
