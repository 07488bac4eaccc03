"""What the eTools sync is told by its settings: the site, the workspaces, the token.

The parsing here runs when the settings are read (a bad value stops every command with
one line naming it); `sync_config` brings the settings together when a sync starts, so a
sync without a token, or without anything to sync, fails saying which setting is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from tasks.countries import WorkspaceError, parse_country_codes, workspace_code
from tasks.hosts import is_loopback

if TYPE_CHECKING:
    from tasks.settings import Settings

MAX_WORKSPACES = 300


class SyncConfigError(Exception):
    """The settings do not say what to sync, or how; the message names the setting."""


@dataclass(frozen=True)
class SyncConfig:
    """A sync's settings: the site and its workspaces (code → ISO3 country, or None when
    the code is one itself or listed in config/etools-workspaces.toml), the drop folder."""

    url: str
    workspaces: dict[str, str | None]
    drop: Path | None
    retries: int
    timeout: float
    backoff: float


def site_url(value: str) -> str:
    """Return eTools' root URL without its trailing slash ("" when not set). Raise
    `ValueError` unless it is https:// (the token travels with every request), or
    http:// on this machine, with no user, query or fragment."""
    value = value.strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be eTools' root URL, e.g. https://etools.unicef.org")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("must be eTools' root URL alone: no user, query or fragment")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValueError(
            "must be https:// (the token goes with every request); http:// only on localhost"
        )
    return value



def parse_workspaces(value: str) -> dict[str, str | None]:
    """Return the workspaces of `CONTINUITY_ETOOLS_WORKSPACES` ("SEN,CMR,PHI=PHL": eTools'
    codes, each with its ISO alpha-3 country where the code is not one), codes in upper
    case, in the order given. Raise `ValueError` naming the entry that is unusable."""
    found: dict[str, str | None] = {}
    entries = [entry.strip() for entry in value.split(",") if entry.strip()]
    if len(entries) > MAX_WORKSPACES:
        raise ValueError(f"at most {MAX_WORKSPACES} workspaces")
    for entry in entries:
        try:
            if "=" in entry:
                ((code, alpha3),) = parse_country_codes([entry]).items()
            else:
                code, alpha3 = workspace_code(entry), None
        except WorkspaceError as error:
            raise ValueError(str(error)) from None
        if code in found and found[code] != alpha3:
            raise ValueError(f"workspace {code} is given twice")
        found[code] = alpha3
    return found


def sync_config(settings: Settings) -> SyncConfig:
    """Return what a sync does; raise `SyncConfigError` when it would do nothing, or when
    the API is configured by halves."""
    url, workspaces = settings.etools_url, parse_workspaces(settings.etools_workspaces)
    if not url and not workspaces and settings.etools_drop is None:
        raise SyncConfigError(
            "nothing to sync: set CONTINUITY_ETOOLS_URL and CONTINUITY_ETOOLS_WORKSPACES "
            "(eTools' API), or CONTINUITY_ETOOLS_DROP (a folder exports are dropped in)"
        )
    if bool(url) != bool(workspaces):
        missing = "CONTINUITY_ETOOLS_WORKSPACES" if url else "CONTINUITY_ETOOLS_URL"
        raise SyncConfigError(f"{missing} is not set: the API sync needs both it and the other")
    if url and settings.etools_token is None and not settings.etools_token_block:
        raise SyncConfigError(
            "no eTools token: set CONTINUITY_ETOOLS_TOKEN, or CONTINUITY_ETOOLS_TOKEN_BLOCK "
            "to the name of a Prefect Secret block holding it"
        )
    return SyncConfig(
        url,
        workspaces,
        settings.etools_drop,
        settings.etools_retries,
        settings.etools_timeout,
        settings.etools_backoff,
    )


def api_token(settings: Settings) -> str:
    """Return the eTools token: CONTINUITY_ETOOLS_TOKEN, else the Prefect Secret block
    CONTINUITY_ETOOLS_TOKEN_BLOCK names. Raise `SyncConfigError` (never holding the
    token) when the block cannot be read or holds no text."""
    if settings.etools_token is not None:
        return settings.etools_token.get_secret_value()
    from prefect.blocks.system import Secret

    name = settings.etools_token_block
    try:
        # Called from a synchronous task: Prefect gives the block, not a coroutine.
        value = cast(Secret, Secret.load(name)).get()
    except Exception as error:  # Prefect says "not found" or why it could not ask
        raise SyncConfigError(
            f"CONTINUITY_ETOOLS_TOKEN_BLOCK: the Prefect Secret block {name!r} cannot be "
            f"read ({type(error).__name__})"
        ) from None
    if not isinstance(value, str) or not value.strip():
        raise SyncConfigError(
            f"CONTINUITY_ETOOLS_TOKEN_BLOCK: the Prefect Secret block {name!r} holds no token"
        )
    return value.strip()
