"""Checks a Prefect control plane from the outside, the way a stranger and a worker see it:

    PREFECT_API_URL=https://prefect.example.org/api PREFECT_API_AUTH_STRING=... \\
        .venv/bin/python scripts/check_control_plane.py

The API must refuse a request without the shared secret (and with a wrong one), accept
it with the secret, be HTTPS unless on this machine, and the UI must be told to call this
same public API with a sign-in prompt. The secret is read from the environment only, so
it never appears in a command line or in `ps`. PREFECT_API_SSL_CERT_FILE (the setting
Prefect's own clients use) names a CA for a private or self-signed certificate.
Prints one line per check; exits 1 if any fails.
"""

from __future__ import annotations

import os
import ssl
import sys
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# Any API call that reads data will do; this one is cheap and exists in every Prefect 3.
PROBE = "/flows/filter"


def check_transport(api_url: str, client: httpx.Client, secret: str) -> str | None:
    parts = urlsplit(api_url)
    if parts.scheme != "https" and parts.hostname not in LOCAL_HOSTS:
        return f"{api_url} is not HTTPS: the shared secret would cross the network in clear"
    return None


def check_refuses_strangers(api_url: str, client: httpx.Client, secret: str) -> str | None:
    without = client.post(api_url + PROBE, json={}).status_code
    wrong = client.post(api_url + PROBE, json={}, auth=("nobody", "guess")).status_code
    if without != 401 or wrong != 401:
        return f"without the secret: {without}, with a wrong one: {wrong} (both must be 401)"
    return None


def check_accepts_secret(api_url: str, client: httpx.Client, secret: str) -> str | None:
    user, _, password = secret.partition(":")
    status = client.post(api_url + PROBE, json={}, auth=(user, password)).status_code
    return None if status == 200 else f"a request with PREFECT_API_AUTH_STRING got {status}"


def check_ui_settings(api_url: str, client: httpx.Client, secret: str) -> str | None:
    # The UI is served from the API's origin; ui-settings tells the browser where to call.
    response = client.get(api_url.removesuffix("/api") + "/ui-settings")
    if response.status_code != 200:
        return f"the UI's settings answered {response.status_code}"
    settings = response.json()
    if settings.get("api_url") != api_url:
        return f"the UI calls {settings.get('api_url')}, not {api_url}: set PREFECT_UI_API_URL"
    if settings.get("auth") != "BASIC":
        return "the UI asks for no sign-in: PREFECT_SERVER_API_AUTH_STRING is not set"
    return None


CHECKS: list[tuple[str, Callable[[str, httpx.Client, str], str | None]]] = [
    ("HTTPS outside this machine", check_transport),
    ("the API refuses requests without the secret (401)", check_refuses_strangers),
    ("the API accepts the secret", check_accepts_secret),
    ("the UI calls this API and asks for the secret", check_ui_settings),
]


def main() -> int:
    api_url = os.environ.get("PREFECT_API_URL", "").rstrip("/")
    secret = os.environ.get("PREFECT_API_AUTH_STRING", "")
    if not api_url or ":" not in secret:
        print("set PREFECT_API_URL and PREFECT_API_AUTH_STRING (user:password)", file=sys.stderr)
        return 2
    # The system's CAs, or the one CA named the way Prefect's own clients take it.
    verify = ssl.create_default_context(cafile=os.environ.get("PREFECT_API_SSL_CERT_FILE"))
    failed = 0
    with httpx.Client(verify=verify, timeout=15) as client:
        for label, check in CHECKS:
            try:
                problem = check(api_url, client, secret)
            except httpx.HTTPError as error:
                problem = f"{type(error).__name__}: {error}"
            failed += problem is not None
            print(f"{'FAIL' if problem else 'ok  '} {label}" + (f": {problem}" if problem else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
