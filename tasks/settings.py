"""Application settings, read from `CONTINUITY_*` environment variables and `.env`."""

from __future__ import annotations

import ipaddress
import re
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from tasks.etools.config import parse_workspaces, site_url
from tasks.hosts import is_loopback
from tasks.mail.dkim import checked_key_file, checked_selector
from tasks.mail.inbox.protocol import folder_path
from tasks.sending_window import SendingWindow, parse_window

ENV_PREFIX = "CONTINUITY_"
SUPPORTED_DATABASES = ("sqlite", "postgresql")
MAIL_SCHEMES = ("maildir", "smtp")
INBOX_SCHEMES = ("maildir", "imap", "imaps")
# DRF's tokens are 40 hexadecimal digits; any printable ASCII but spaces goes in a header.
_TOKEN = re.compile(r"[!-~]{1,256}")


class SettingsError(Exception):
    """A setting is missing or invalid; the message is one line naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field("sqlite:///continuity.db", description="SQLAlchemy URL")
    mail_url: str = Field("maildir://./outbox", description="maildir://PATH or smtp://…")
    inbox_url: str = Field("maildir://./inbox", description="maildir://PATH or imap(s)://…")
    inbox_file_into: str = Field(
        "",
        description="folder handled mail is filed under (Answers, Bounces, Auto-replies in it);"
        " empty: none is filed",
    )
    portal_url: str = Field("http://127.0.0.1:8080", description="public base URL of the portal")
    secret_key: SecretStr | None = Field(None, description="at least 32 characters")
    sender: str = Field("Continuity <continuity@example.org>", description="From address")
    timezone: str = Field("UTC", description="IANA time zone for staff-facing times")
    sending_window: str = Field(
        "09:00-17:00",
        description="recipients' local hours when mail may go out: on their country's working"
        " days (less public holidays and closures), or on the days named (mon-fri 09:00-17:00)",
    )
    rate_limit: int = Field(600, ge=0, description="messages per minute, 0 for no limit")
    batch_size: int = Field(200, ge=1, le=5000, description="messages per delivery batch")
    max_attempts: int = Field(8, ge=1, le=50, description="attempts before a message fails")
    smtp_timeout: float = Field(30.0, gt=0, le=600, description="seconds per SMTP command")
    # At most 8: each holds a pooled database connection for its batch (the pool has 15).
    smtp_connections: int = Field(
        4, ge=1, le=8, description="SMTP connections per deliver worker (PostgreSQL)"
    )
    reminder_days: str = Field("7,14", description="days after sending for each reminder")
    answer_within_days: int = Field(
        5,
        ge=1,
        le=60,
        description="working days (of the partner's country) a partner's message may wait for"
        " a person",
    )
    token_days: int = Field(90, ge=1, le=730, description="days a personal link stays valid")
    opt_out_days: int = Field(
        730, ge=30, le=3650, description="days a message's opt-out link keeps working"
    )
    forwarded_allow_ips: str = Field(
        "127.0.0.1,::1",
        description="proxies whose X-Forwarded-For the portal trusts: addresses, networks or *",
    )
    retain_inbound_days: int = Field(
        365,
        ge=1,
        le=3650,
        description="days inbound mail that carried no answer, and what mail servers said"
        " about our messages, are kept before `data-retention` clears them",
    )
    public_dir: Path = Field(
        Path("public"), description="folder the public acknowledgement pages are written to"
    )
    export_dir: Path = Field(
        Path("exports"), description="folder the `export-data` form writes its files to"
    )
    etools_url: str = Field("", description="eTools' root URL; empty: no sync over its API")
    etools_workspaces: str = Field(
        "", description="eTools workspace codes to sync, comma-separated (CODE or CODE=ISO3)"
    )
    etools_token: SecretStr | None = Field(None, description="eTools API token")
    etools_token_block: str = Field(
        "", description="the Prefect Secret block holding the token, when the token is not set"
    )
    etools_retries: int = Field(3, ge=0, le=10, description="retries of a failing request")
    etools_timeout: float = Field(60.0, gt=0, le=3600, description="seconds eTools may be silent")
    etools_backoff: float = Field(
        2.0, ge=0, le=600, description="seconds before the first retry, doubled for each next"
    )
    etools_drop: Path | None = Field(
        None, description="folder eTools exports are dropped in, imported from there"
    )
    dkim_selector: str = Field("", description="DKIM selector; set with the key file, or neither")
    dkim_key_file: Path | None = Field(
        None, validate_default=True, description="PEM private key: RSA 2048+ or Ed25519"
    )

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return normalized_database_url(value)

    @field_validator("mail_url")
    @classmethod
    def _mail_url(cls, value: str) -> str:
        return _url_with_scheme(value, MAIL_SCHEMES)

    @field_validator("inbox_url")
    @classmethod
    def _inbox_url(cls, value: str) -> str:
        return _url_with_scheme(value, INBOX_SCHEMES)

    @field_validator("inbox_file_into")
    @classmethod
    def _inbox_file_into(cls, value: str) -> str:
        return "/".join(folder_path(value)) if value.strip() else ""

    @field_validator("portal_url")
    @classmethod
    def _portal_url(cls, value: str) -> str:
        return https_outside_loopback(_url_with_scheme(value, ("http", "https")).rstrip("/"))

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _forwarded_allow_ips(cls, value: str) -> str:
        return trusted_proxies(value)

    @field_validator("export_dir", mode="before")
    @classmethod
    def _export_dir(cls, value: Any) -> Any:
        if isinstance(value, str) and (not value.strip() or "\x00" in value):
            raise ValueError("must name a folder")
        return value

    @field_validator("etools_url")
    @classmethod
    def _etools_url(cls, value: str) -> str:
        return site_url(value)

    @field_validator("etools_workspaces")
    @classmethod
    def _etools_workspaces(cls, value: str) -> str:
        return ",".join(
            f"{code}={alpha3}" if alpha3 else code
            for code, alpha3 in parse_workspaces(value).items()
        )

    @field_validator("etools_drop", mode="before")
    @classmethod
    def _etools_drop(cls, value: object) -> object:
        # Set empty, it is not set: never the working directory (its files would move).
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("dkim_selector")
    @classmethod
    def _dkim_selector(cls, value: str) -> str:
        return checked_selector(value) if value.strip() else ""

    @field_validator("dkim_key_file", mode="before")
    @classmethod
    def _dkim_key_file(cls, value: object, info: ValidationInfo) -> Path | None:
        path = Path(value) if isinstance(value, str | Path) and str(value).strip() else None
        return checked_key_file(path, info.data.get("dkim_selector"))

    @field_validator("etools_token")
    @classmethod
    def _etools_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None  # set empty: not set
        # Never quoted: an HTTP library's error about a bad header value would be.
        if not _TOKEN.fullmatch(value.get_secret_value()):
            raise ValueError("must be the token eTools gave: up to 256 characters, no spaces")
        return value

    @field_validator("secret_key")
    @classmethod
    def _secret_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters (try: openssl rand -hex 32)")
        return value

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        _, address = parseaddr(value)
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError as error:
            raise ValueError(f"not a valid e-mail address: {error}") from None
        return value

    @field_validator("sending_window")
    @classmethod
    def _sending_window(cls, value: str) -> str:
        parse_window(value)
        return value

    @field_validator("reminder_days")
    @classmethod
    def _reminder_days(cls, value: str) -> str:
        days = [part.strip() for part in value.split(",") if part.strip()]
        if not all(day.isdigit() and 0 < int(day) <= 365 for day in days) or days != sorted(
            days, key=int
        ):
            raise ValueError("must be increasing day counts such as 7,14")
        return ",".join(days)

    @property
    def window(self) -> SendingWindow:
        return parse_window(self.sending_window)

    @property
    def reminder_delays(self) -> tuple[int, ...]:
        return tuple(int(day) for day in self.reminder_days.split(",") if day)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value

    def required_secret_key(self) -> str:
        """Return the secret key, or raise `SettingsError` when it is not configured."""
        if self.secret_key is None:
            raise SettingsError(
                f"{ENV_PREFIX}SECRET_KEY is not set: export a random value of 32+ characters"
            )
        return self.secret_key.get_secret_value()


def normalized_database_url(value: str) -> str:
    """Return `value` with PostgreSQL URLs pinned to the psycopg 3 driver.

    Raises `ValueError` for an unparsable URL or a database other than SQLite/PostgreSQL.
    """
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError(f"not a database URL: {value!r}") from None
    if url.get_backend_name() not in SUPPORTED_DATABASES:
        raise ValueError(f"unsupported database {url.get_backend_name()!r} (sqlite or postgresql)")
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def https_outside_loopback(url: str) -> str:
    """Return `url` when it is https://, or http:// on this machine (localhost, 127.0.0.0/8,
    ::1: development and tests). Raise `ValueError` otherwise: every message's one-click
    unsubscribe link is built on it, RFC 8058 allows only an HTTPS one, and a personal
    link sent in clear text could be read on the way."""
    parts = urlsplit(url)
    if parts.scheme == "https" or is_loopback(parts.hostname or ""):
        return url
    raise ValueError(
        "must be https:// (the RFC 8058 one-click unsubscribe link must be HTTPS);"
        " http:// only on localhost or 127.0.0.1"
    )


def trusted_proxies(value: str) -> str:
    """Return `value` (comma-separated addresses or networks, or `*` for any) normalised,
    `*` alone when it is among them, "" for none; raise `ValueError` naming the first entry
    that is neither an address nor a network."""
    entries = [entry.strip() for entry in value.split(",") if entry.strip()]
    if "*" in entries:
        return "*"
    for entry in entries:
        try:
            # Strict, as uvicorn reads it: 10.0.0.1/8 would silently trust nobody there.
            ipaddress.ip_network(entry)
        except ValueError:
            raise ValueError(f"{entry!r} is not an address, a network (10.0.0.0/8) or *") from None
    return ",".join(entries)


def _url_with_scheme(value: str, schemes: tuple[str, ...]) -> str:
    scheme, separator, rest = value.partition("://")
    if not separator or scheme not in schemes or not rest:
        raise ValueError(f"must look like {' or '.join(s + '://…' for s in schemes)}")
    return value


def one_line_error(error: ValidationError) -> str:
    """Return the first validation problem as `CONTINUITY_NAME: message`."""
    first = error.errors()[0]
    name = str(first["loc"][0]).upper() if first["loc"] else "SETTINGS"
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{ENV_PREFIX}{name}: {message}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, raising `SettingsError` with one clear line."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError(one_line_error(error)) from None
