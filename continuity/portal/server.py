"""`continuity portal`: the response portal under uvicorn, behind the proxies it trusts."""

from __future__ import annotations

from continuity.cli.console import fail
from db.engine import migrated_engine
from db.migrate import NotMigratedError
from tasks.settings import SettingsError, get_settings, trusted_proxies


def proxies_to_trust(option: str | None, setting: str) -> list[str]:
    """Return the proxies whose `X-Forwarded-For` uvicorn may believe: the command's
    option when given, else the setting. Raise `ValueError` for an entry that is neither
    an address, a network nor `*`."""
    chosen = trusted_proxies(setting if option is None else option)
    return [proxy for proxy in chosen.split(",") if proxy]


def serve(host: str, port: int, forwarded_allow_ips: str | None) -> None:
    """Serve the portal until stopped; exit with one line on a bad setting or an
    un-migrated database."""
    import uvicorn

    from continuity.portal.app import create_app

    try:
        settings = get_settings()
        settings.required_secret_key()
        proxies = proxies_to_trust(forwarded_allow_ips, settings.forwarded_allow_ips)
    except ValueError as error:
        raise fail(f"--forwarded-allow-ips: {error}") from None
    except SettingsError as error:
        raise fail(str(error)) from None
    try:
        engine = migrated_engine(settings.database_url)
    except NotMigratedError as error:
        raise fail(str(error)) from None
    uvicorn.run(
        create_app(settings, engine),
        host=host,
        port=port,
        proxy_headers=True,
        # A list, even an empty one: None would let uvicorn fall back on its own default
        # or its FORWARDED_ALLOW_IPS variable instead of this setting.
        forwarded_allow_ips=proxies,
    )
