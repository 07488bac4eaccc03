"""DKIM settings: both or neither, and a key file that is read and checked at start-up;
every problem is one line naming the variable, never quoting the key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from tasks.settings import SettingsError, get_settings
from tests.mail.dkim_keys import pem, write_key

SELECTOR = "CONTINUITY_DKIM_SELECTOR"
KEY_FILE = "CONTINUITY_DKIM_KEY_FILE"


def refusal(env: pytest.MonkeyPatch, **values: str) -> str:
    for name, value in values.items():
        env.setenv(f"CONTINUITY_DKIM_{name.upper()}", value)
    with pytest.raises(SettingsError) as raised:
        get_settings()
    line = str(raised.value)
    assert "\n" not in line
    return line


def test_it_is_off_when_neither_is_set(settings_env: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    assert settings.dkim_key_file is None and settings.dkim_selector == ""


def test_it_takes_rsa_2048_and_ed25519_keys(
    settings_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for kind in ("rsa", "ed25519"):
        settings_env.setenv(SELECTOR, " Mail-2026.eu ")
        settings_env.setenv(KEY_FILE, str(write_key(tmp_path / f"{kind}.pem", kind)))
        get_settings.cache_clear()
        settings = get_settings()
        assert settings.dkim_selector == "mail-2026.eu"
        assert settings.dkim_key_file == tmp_path / f"{kind}.pem"


def test_one_without_the_other_stops_naming_the_key_file(
    settings_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    line = refusal(settings_env, selector="mail2026")
    assert line.startswith(f"{KEY_FILE}: must be set too when {SELECTOR} is")
    settings_env.delenv(SELECTOR)
    get_settings.cache_clear()
    line = refusal(settings_env, key_file=str(write_key(tmp_path / "k.pem", "rsa")))
    assert line.startswith(f"{KEY_FILE}: is set but {SELECTOR} is not")


@pytest.mark.parametrize(
    "selector", ["a b", "-mail", "mail-", "m_1", "mail..x", "é", "x" * 64, "a." * 130, "m\n1"]
)
def test_a_selector_that_is_no_dns_name_stops(
    settings_env: pytest.MonkeyPatch, tmp_path: Path, selector: str
) -> None:
    line = refusal(settings_env, selector=selector, key_file=str(write_key(tmp_path / "k", "rsa")))
    assert line.startswith(f"{SELECTOR}: must be a DNS label")


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "is not a PEM private key"),
        (b"\x00\xff" * 100, "is not a PEM private key"),
        (
            b"-----BEGIN PRIVATE KEY-----\nc2VjcmV0IGtleSBtYXRlcmlhbA==\n"
            b"-----END PRIVATE KEY-----\n",
            "is not a PEM private key",
        ),
        (b"-----BEGIN" + b"A" * 70_000, "is not a PEM private key"),
        (pem("rsa1024"), "is a 1024-bit RSA key: DKIM needs 2048+"),
        (pem("ec"), "is neither RSA nor Ed25519, the keys DKIM takes"),
    ],
    ids=["empty", "binary", "garbage-pem", "oversized", "rsa-1024", "ec"],
)
def test_a_key_file_that_is_no_usable_key_stops_without_quoting_it(
    settings_env: pytest.MonkeyPatch, tmp_path: Path, content: bytes, said: str
) -> None:
    path = tmp_path / "key.pem"
    path.write_bytes(content)
    line = refusal(settings_env, selector="mail2026", key_file=str(path))
    assert line.startswith(f"{KEY_FILE}: {path} {said}")
    assert "c2VjcmV0" not in line and "MII" not in line and "AAAA" not in line


def test_an_encrypted_key_stops_asking_for_it_without_passphrase(
    settings_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key = serialization.load_pem_private_key(pem("rsa"), password=None)
    path = tmp_path / "key.pem"
    encryption = serialization.BestAvailableEncryption(b"passphrase")
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )
    line = refusal(settings_env, selector="mail2026", key_file=str(path))
    assert line == f"{KEY_FILE}: {path} is encrypted: store the key without a passphrase"


@pytest.mark.parametrize("where", ["missing", "directory", "unreadable"])
def test_a_key_file_that_cannot_be_read_stops(
    settings_env: pytest.MonkeyPatch, tmp_path: Path, where: str
) -> None:
    path = tmp_path / "key.pem"
    if where == "directory":
        path.mkdir()
    elif where == "unreadable":
        write_key(path, "rsa").chmod(0)
        if os.access(path, os.R_OK):
            pytest.skip("root reads any file")
    line = refusal(settings_env, selector="mail2026", key_file=str(path))
    assert line.startswith(f"{KEY_FILE}: cannot read {path}: ")
