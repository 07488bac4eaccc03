"""A stand-in of eTools' API for the sync's tests: a local HTTP server serving recorded
CSV exports per workspace as eTools does (`/api/v2/partners/?format=csv`,
`/api/v2/interventions/?format=csv`, `/api/v3/users/`), checking the DRF token
(`Authorization: Token …`, 401 otherwise) and the `schema` parameter: a workspace the
token's user may not open is answered with the user's own, as eTools' `set_country` does.
Faults are injected per workspace and export: 500, a body cut halfway under a
`Content-Length` it does not keep, silence, an HTML page, a CSV of another kind, 401,
403, 404, a redirect, 503 with `Retry-After`."""

from __future__ import annotations

import csv
import io
import json
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.exports import INTERVENTION_HEADER, PARTNER_HEADER, SAMPLES, export_text

TOKEN = "0b5c0ffee0ddf00dfeedface1234567890abcdef"
PATHS = {
    "/api/v2/partners/": "partners",
    "/api/v2/interventions/": "interventions",
    "/api/v3/users/": "users",
}
FAULTS = ("500", "half", "silence", "html", "header", "401", "403", "404", "redirect", "503-retry")
HTML = b"<!DOCTYPE html><html><body><h1>Server Error (500)</h1></body></html>"


@dataclass
class Workspace:
    """One workspace's recorded exports (CSV text) and staff users (JSON objects)."""

    partners: str
    interventions: str
    users: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Asked:
    """One request the stand-in received."""

    path: str
    schema: str
    format: str
    authorization: str


class EtoolsStandIn:
    """The server; `workspaces` by code, `readable` those the token's user may open
    (default: all), `home` the one eTools answers with otherwise."""

    def __init__(self, workspaces: dict[str, Workspace], home: str | None = None) -> None:
        self.workspaces = workspaces
        self.readable: set[str] = set(workspaces)
        self.home = home or next(iter(workspaces))
        self.token = TOKEN
        self.asked: list[Asked] = []
        self._faults: dict[tuple[str, str], list[str]] = defaultdict(list)
        self._always: dict[tuple[str, str], str] = {}
        self.release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.stand_in = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail(self, workspace: str, what: str, fault: str, times: int | None = None) -> None:
        """Answer `what` ("partners", "interventions", "users") of `workspace` with
        `fault`, the next `times` requests, or every one when `times` is None."""
        assert fault in FAULTS, fault
        if times is None:
            self._always[(workspace, what)] = fault
        else:
            self._faults[(workspace, what)] += [fault] * times

    def heal(self) -> None:
        self._faults.clear()
        self._always.clear()

    def asked_for(self, what: str) -> list[Asked]:
        return [asked for asked in self.asked if PATHS.get(asked.path) == what]

    def fault(self, workspace: str, what: str) -> str | None:
        queued = self._faults.get((workspace, what))
        if queued:
            return queued.pop(0)
        return self._always.get((workspace, what))

    def __enter__(self) -> EtoolsStandIn:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read `asked`."""

    @property
    def stand_in(self) -> EtoolsStandIn:
        return self.server.stand_in  # type: ignore[attr-defined,no-any-return]

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        authorization = self.headers.get("Authorization", "")
        asked = Asked(parts.path, query.get("schema", ""), query.get("format", ""), authorization)
        self.stand_in.asked.append(asked)
        what = PATHS.get(parts.path)
        if what is None:
            return self._send(404, b'{"detail":"Not found."}', "application/json")
        if authorization != f"Token {self.stand_in.token}":
            return self._send(401, b'{"detail":"Invalid token."}', "application/json")
        workspace = self._tenant(asked.schema)
        fault = self.stand_in.fault(workspace, what)
        if fault is not None:
            return self._faulty(fault, workspace, what)
        self._answer(workspace, what)

    def _tenant(self, schema: str) -> str:
        """The workspace eTools answers for: the one asked, if the user may open it,
        else the user's own (eTools does not say it did so)."""
        for code in self.stand_in.workspaces:
            if code.upper() == schema.upper() and code in self.stand_in.readable:
                return code
        return self.stand_in.home

    def _answer(self, workspace: str, what: str) -> None:
        recorded = self.stand_in.workspaces[workspace]
        if what == "users":
            return self._send(200, json.dumps(recorded.users).encode(), "application/json")
        text = recorded.partners if what == "partners" else recorded.interventions
        name = (
            "partner.csv"
            if what == "partners"
            else f"PD_budget_as_of_{date.today():%Y_%m_%d}_{workspace}.csv"
        )
        headers = {"Content-Disposition": f"attachment;filename={name}"}
        self._send(200, text.encode("utf-8"), "text/csv; charset=utf-8", headers)

    def _faulty(self, fault: str, workspace: str, what: str) -> None:
        if fault in ("500", "503-retry"):
            headers = {"Retry-After": "7"} if fault == "503-retry" else {}
            return self._send(int(fault[:3]), HTML, "text/html", headers)
        if fault == "half":
            return self._half(workspace, what)
        if fault == "silence":
            self.stand_in.release.wait(timeout=30)
            self.close_connection = True
            return None
        if fault == "html":
            return self._send(200, HTML, "text/html; charset=utf-8")
        if fault == "header":
            return self._send(200, b"id,name,email\r\n1,Someone,a@b.example\r\n", "text/csv")
        if fault == "redirect":
            return self._send(302, b"", "text/html", {"Location": "/login/?next=/api/"})
        return self._send(int(fault), b'{"detail":"refused"}', "application/json")

    def _half(self, workspace: str, what: str) -> None:
        """Announce the whole export, send half of it, hang up."""
        recorded = self.stand_in.workspaces[workspace]
        body = (recorded.partners if what == "partners" else recorded.interventions).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/csv; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def recorded_workspaces(*codes: str) -> dict[str, Workspace]:
    """The shipped sample exports split by workspace as eTools would serve them: each
    workspace's programme documents, and the partners they name."""
    interventions = _rows("interventions.csv")
    partners = {row["Vendor Number"]: row for row in _rows("partners.csv")}
    found = {}
    for code in codes:
        mine = [row for row in interventions if row["Reference Number"].startswith(f"{code}/")]
        vendors = dict.fromkeys(row["Vendor Number"] for row in mine)
        found[code] = Workspace(
            export_text(PARTNER_HEADER, [partners[vendor] for vendor in vendors]),
            export_text(INTERVENTION_HEADER, mine),
        )
    return found


def _rows(name: str) -> list[dict[str, str]]:
    with (SAMPLES / name).open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))
