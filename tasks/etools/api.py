"""Asking eTools' API for a workspace's CSV exports and its staff users, with the token.

A request that may succeed later (a timeout, a broken connection, a body shorter than
its `Content-Length`, 429 or 5xx) is retried with backoff; one that will not (401, 403,
another 4xx, a redirect, a web page where a CSV file was asked for) fails at once. Every
failure is an exception whose message says what eTools did, in words that hold neither
the token nor anything eTools sent back.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tasks.etools.config import SyncConfig
from tasks.etools.files import MAX_FILE_BYTES
from tasks.run_context import run_logger

PARTNERS_PATH = "/api/v2/partners/"
INTERVENTIONS_PATH = "/api/v2/interventions/"
# UNICEF staff of the token's user's country (name, e-mail), as one JSON list.
USERS_PATH = "/api/v3/users/"
MAX_USERS_BYTES = 32 * 1024 * 1024
MAX_RETRY_AFTER = 300.0
_ATTACHMENT = re.compile(r"""filename\*?=(?:UTF-8'')?"?([^";]+)"?""", re.IGNORECASE)
T = TypeVar("T")


class FetchError(Exception):
    """eTools did not give what was asked; the message says what it did instead."""


class TokenRefused(FetchError):
    """eTools refused the token (401): no request with it can succeed."""


class NotPermitted(FetchError):
    """eTools said the token's user may not read this (403)."""


class NotFound(FetchError):
    """eTools has no such page (404): a wrong address, or a version without it."""


class _Transient(Exception):
    """A failure that may pass: the request is worth repeating."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Export:
    """An export saved to `path`, with the file name eTools gave it, if any."""

    path: Path
    file_name: str | None


class EtoolsApi:
    """One client on eTools' API for a sync: the token in every request's header, never
    anywhere else; no redirect followed (a token must not travel to another page)."""

    def __init__(
        self, config: SyncConfig, token: str, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.config, self._sleep = config, sleep
        self._client = httpx.Client(
            base_url=config.url,
            headers={"Authorization": f"Token {token}"},
            timeout=httpx.Timeout(config.timeout, connect=min(config.timeout, 15.0)),
            follow_redirects=False,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> EtoolsApi:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def export(self, path: str, workspace: str, destination: Path) -> Export:
        """Save the CSV export at `path` of `workspace` to `destination`; raise
        `FetchError` (or `TokenRefused`, `NotPermitted`) when eTools does not send it."""
        params = {"format": "csv", "schema": workspace}
        return self._retried(lambda: self._save(path, params, destination), workspace)

    def users(self, workspace: str) -> list[Any]:
        """Return eTools' staff users (JSON objects) as the workspace lists them; raise
        `FetchError` (or `TokenRefused`, `NotPermitted`) when it does not."""
        return self._retried(lambda: self._users(workspace), workspace)

    def _retried(self, attempt: Callable[[], T], workspace: str) -> T:
        attempts = self.config.retries + 1
        for number in range(1, attempts + 1):
            try:
                return attempt()
            except _Transient as failure:
                if number == attempts:
                    tries = "once" if attempts == 1 else f"{attempts} times"
                    raise FetchError(f"{failure} (asked {tries})") from None
                delay = self.config.backoff * 2 ** (number - 1)
                if failure.retry_after is not None:
                    delay = max(delay, min(failure.retry_after, MAX_RETRY_AFTER))
                run_logger().warning(
                    "eTools, workspace %s: %s; asking again in %.0f s", workspace, failure, delay
                )
                self._sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    @contextmanager
    def _response(self, path: str, params: dict[str, str]) -> Iterator[httpx.Response]:
        """Yield the answer to a GET, its status checked; transport failures and a
        timeout are transient."""
        try:
            with self._client.stream("GET", path, params=params) as response:
                _check_status(response)
                yield response
        except httpx.TimeoutException:
            raise _Transient(f"eTools did not answer within {self.config.timeout:g} s") from None
        except httpx.TransportError as error:
            raise _Transient(_broken(error)) from None

    def _save(self, path: str, params: dict[str, str], destination: Path) -> Export:
        with self._response(path, params) as response:
            _refuse_web_page(response.headers.get("content-type", ""))
            with destination.open("wb") as file:
                self._read(response, file.write, MAX_FILE_BYTES, "the export")
            name = _attachment_name(response.headers.get("content-disposition", ""))
        return Export(destination, name)

    def _users(self, workspace: str) -> list[Any]:
        body = bytearray()
        with self._response(USERS_PATH, {"schema": workspace}) as response:
            self._read(response, body.extend, MAX_USERS_BYTES, "the list of users")
        try:
            found = json.loads(body)
        except ValueError:
            raise FetchError("the list of users is not JSON") from None
        users = found.get("results") if isinstance(found, dict) else found
        if not isinstance(users, list):
            raise FetchError("the list of users is not a list")
        return users

    def _read(
        self, response: httpx.Response, write: Callable[[bytes], object], limit: int, what: str
    ) -> None:
        """Pass the whole body to `write`; raise `FetchError` past `limit` bytes, and
        `_Transient` when it ends short of its `Content-Length` (cut off, or silent)."""
        expected = _content_length(response)
        if expected is not None and expected > limit:
            raise FetchError(f"{what} is larger than {limit} bytes")
        size = 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise FetchError(f"{what} is larger than {limit} bytes")
                write(chunk)
        except httpx.TimeoutException:
            silent = f"then fell silent for {self.config.timeout:g} s"
            raise _Transient(_short(response.num_bytes_downloaded, expected, silent)) from None
        except httpx.TransportError:
            hung_up = _short(response.num_bytes_downloaded, expected, "then hung up")
            raise _Transient(hung_up) from None
        if expected is not None and response.num_bytes_downloaded != expected:
            raise _Transient(_short(response.num_bytes_downloaded, expected, "then stopped"))


def _short(received: int, expected: int | None, then: str) -> str:
    """Say how much of an answer came before it broke off."""
    if expected is None:
        return f"eTools' answer broke off after {received} bytes ({then})"
    return f"eTools sent {received} of the {expected} bytes its Content-Length announced, {then}"


def _check_status(response: httpx.Response) -> None:
    """Raise what the status means, unless it is 200."""
    status = response.status_code
    said = f"HTTP {status} {response.reason_phrase}".strip()
    if status == 200:
        return
    if status == 401:
        raise TokenRefused(
            f"eTools refused the token ({said}): it is wrong, expired or revoked; "
            "ask eTools' administrators for a new one"
        )
    if status == 403:
        raise NotPermitted(f"eTools refused access ({said}): the token's user may not read it")
    if status == 429 or status >= 500:
        raise _Transient(f"eTools answered {said}", _retry_after(response))
    if 300 <= status < 400:
        raise FetchError(
            f"eTools answered {said}, a redirect (to a sign-in page?): "
            "CONTINUITY_ETOOLS_URL must be eTools' own address"
        )
    if status == 404:
        raise NotFound(f"eTools answered {said}: is CONTINUITY_ETOOLS_URL eTools' root?")
    raise FetchError(f"eTools answered {said}")


def _refuse_web_page(content_type: str) -> None:
    if content_type.split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml"):
        raise FetchError(
            "eTools sent a web page, not a CSV export (a sign-in, maintenance or error page)"
        )


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


def _attachment_name(disposition: str) -> str | None:
    """Return the base name of the file a `Content-Disposition` names, if any."""
    found = _ATTACHMENT.search(disposition)
    if not found:
        return None
    name = found.group(1).strip().replace("\\", "/").rsplit("/", 1)[-1]
    return name[:200] if name and name not in (".", "..") else None


def _broken(error: httpx.TransportError) -> str:
    """Say how the connection failed, in the system's words: they name addresses, never a
    header (a request that could not be sent is not quoted)."""
    if isinstance(error, httpx.LocalProtocolError):
        return "the request could not be sent (LocalProtocolError)"
    return f"the connection to eTools failed ({type(error).__name__}: {error})"
