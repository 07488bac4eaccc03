from __future__ import annotations

from pathlib import Path

import pytest

from tasks.settings import SettingsError, get_settings


def test_it_works_on_embedded_defaults(settings_env: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    assert settings.database_url == "sqlite:///continuity.db"
    assert settings.mail_url == "maildir://./outbox"
    assert settings.inbox_url == "maildir://./inbox"
    assert settings.timezone == "UTC"
    assert settings.retain_inbound_days == 365


def test_it_reads_prefixed_environment_variables(settings_env: pytest.MonkeyPatch) -> None:
    settings_env.setenv("CONTINUITY_DATABASE_URL", "postgresql://postgres@db:5432/continuity")
    settings_env.setenv("CONTINUITY_MAIL_URL", "smtp://relay.example.org:587?security=starttls")
    settings_env.setenv("CONTINUITY_TIMEZONE", "Africa/Dakar")
    settings = get_settings()
    assert settings.database_url == "postgresql+psycopg://postgres@db:5432/continuity"
    assert settings.mail_url.startswith("smtp://relay.example.org")
    assert settings.timezone == "Africa/Dakar"


def test_it_reads_a_dotenv_file(settings_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("CONTINUITY_SENDER=Partenariats <partenariats@example.org>\n")
    assert get_settings().sender == "Partenariats <partenariats@example.org>"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/x"),
        ("DATABASE_URL", "not a url"),
        ("MAIL_URL", "ftp://example.org"),
        ("INBOX_URL", "pop3://example.org"),
        ("INBOX_FILE_INTO", "Continuity/../Sent"),
        ("INBOX_FILE_INTO", 'Continuity"\r\nA1 DELETE INBOX'),
        ("INBOX_FILE_INTO", "Continuity.Answers"),
        ("INBOX_FILE_INTO", "a/b/c/d/e/f"),
        ("PORTAL_URL", "javascript:alert(1)"),
        ("SECRET_KEY", "short"),
        ("SENDER", "not an address"),
        ("TIMEZONE", "Mars/Olympus_Mons"),
        ("RETAIN_INBOUND_DAYS", "0"),
        ("RETAIN_INBOUND_DAYS", "-30"),
        ("RETAIN_INBOUND_DAYS", "3651"),
        ("RETAIN_INBOUND_DAYS", "9" * 5000),
        ("RETAIN_INBOUND_DAYS", "365.5"),
        ("RETAIN_INBOUND_DAYS", "a year"),
        ("RETAIN_INBOUND_DAYS", "365\x1b[2J"),
        ("RETAIN_INBOUND_DAYS", "36\n5"),
        ("EXPORT_DIR", ""),
        ("EXPORT_DIR", "   "),
        ("ETOOLS_URL", "http://etools.example.org"),
        ("ETOOLS_URL", "https://user:password@etools.example.org"),
        ("ETOOLS_URL", "https://etools.example.org/?schema=SEN"),
        ("ETOOLS_URL", "etools.example.org"),
        ("ETOOLS_WORKSPACES", "SEN,SÉN"),
        ("ETOOLS_WORKSPACES", "SEN,ABCDEFGHIJK"),
        ("ETOOLS_WORKSPACES", "PHI=XYZ"),
        ("ETOOLS_WORKSPACES", "PHI=PHL,PHI=SEN"),
        ("ETOOLS_WORKSPACES", ",".join(["SEN"] * 301)),
        ("ETOOLS_TOKEN", "x" * 257),
        ("ETOOLS_TOKEN", "jeton-à-accent"),
        ("ETOOLS_TOKEN", "0b5c0ffee0ddf00d feedface"),
        ("ETOOLS_TOKEN", "0b5c0ffee0ddf00d\r\nX-Evil: 1"),
        ("ETOOLS_RETRIES", "11"),
        ("ETOOLS_TIMEOUT", "0"),
        ("ETOOLS_BACKOFF", "-1"),
    ],
)
def test_a_bad_setting_fails_with_one_line_naming_it(
    settings_env: pytest.MonkeyPatch, name: str, value: str
) -> None:
    settings_env.setenv(f"CONTINUITY_{name}", value)
    with pytest.raises(SettingsError) as raised:
        get_settings()
    message = str(raised.value)
    assert message.startswith(f"CONTINUITY_{name}: ")
    assert "\n" not in message
    if name == "ETOOLS_TOKEN":
        assert value not in message


def test_the_etools_settings_are_tidied(settings_env: pytest.MonkeyPatch) -> None:
    settings_env.setenv("CONTINUITY_ETOOLS_URL", " https://etools.unicef.org/ ")
    settings_env.setenv("CONTINUITY_ETOOLS_WORKSPACES", " sen, PHI = phl ,,LEBA,sen")
    settings = get_settings()
    assert settings.etools_url == "https://etools.unicef.org"
    assert settings.etools_workspaces == "SEN,PHI=PHL,LEBA"
    assert (settings.etools_retries, settings.etools_drop) == (3, None)
    settings_env.setenv("CONTINUITY_ETOOLS_TOKEN", "")
    settings_env.setenv("CONTINUITY_ETOOLS_DROP", " ")
    get_settings.cache_clear()
    assert (get_settings().etools_token, get_settings().etools_drop) == (None, None)


def test_filing_is_off_by_default_and_a_folder_path_is_tidied(
    settings_env: pytest.MonkeyPatch,
) -> None:
    assert get_settings().inbox_file_into == ""
    settings_env.setenv("CONTINUITY_INBOX_FILE_INTO", " Partenariats / Traité ")
    get_settings.cache_clear()
    assert get_settings().inbox_file_into == "Partenariats/Traité"


def test_the_secret_key_is_required_only_where_it_is_used(
    settings_env: pytest.MonkeyPatch,
) -> None:
    settings = get_settings()
    with pytest.raises(SettingsError, match="CONTINUITY_SECRET_KEY is not set"):
        settings.required_secret_key()
    settings_env.setenv("CONTINUITY_SECRET_KEY", "k" * 40)
    get_settings.cache_clear()
    assert get_settings().required_secret_key() == "k" * 40
    assert "k" * 40 not in repr(get_settings())
