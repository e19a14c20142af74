"""Secrets: the keyring when it works, a plain refusal when it does not, the vault when chosen."""

from __future__ import annotations

import keyring
import pytest

from nexus_desktop import log_redaction, secrets
from nexus_desktop.secrets_vault import KdfParams, Vault, VaultError
from tests.fakes.accounts_env import no_keyring  # noqa: F401 (a fixture)
from tests.fakes.memory_keyring import MemoryKeyring

FAST = KdfParams(n=2**12)


def test_values_round_trip_through_the_keyring_and_are_redacted():
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        secrets.set_secret("openai", "sk-test-1234567890")
        assert secrets.get_secret("openai") == "sk-test-1234567890"
        assert "sk-test" not in log_redaction.redact("key sk-test-1234567890 used")
        secrets.delete_secret("openai")
        secrets.delete_secret("openai")  # already gone: fine
        assert secrets.get_secret("openai") is None
        assert secrets.status().kind == "keyring"
    finally:
        keyring.set_keyring(previous)


def test_without_a_keyring_it_says_so_and_never_stores_plain_text(no_keyring, tmp_path):
    assert secrets.status().kind == "none"
    assert "No system keyring" in secrets.status().message
    with pytest.raises(secrets.NoSecretStore, match="no system keyring") as caught:
        secrets.set_secret("token", "never-written-anywhere")
    assert "vault" in caught.value.hint
    assert not any(tmp_path.iterdir())


def test_a_plaintext_keyring_backend_is_refused(tmp_path):
    class PlaintextKeyring(MemoryKeyring):
        pass

    previous = keyring.get_keyring()
    keyring.set_keyring(PlaintextKeyring())
    try:
        with pytest.raises(secrets.NoSecretStore):
            secrets.set_secret("token", "value-123456")
    finally:
        keyring.set_keyring(previous)


def test_the_vault_keeps_secrets_encrypted_behind_a_passphrase(no_keyring, tmp_path):
    path = secrets.vault_path(tmp_path)
    vault = Vault.create(path, "correct horse battery", kdf=FAST)
    secrets.use_vault(vault)
    secrets.set_secret("account:1:oauth", '{"access_token": "tok-abcdef-123"}')
    assert secrets.status().kind == "vault"
    assert b"tok-abcdef" not in path.read_bytes()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    reopened = Vault.unlock(path, "correct horse battery")
    assert reopened.get("account:1:oauth") == '{"access_token": "tok-abcdef-123"}'
    with pytest.raises(VaultError, match="wrong passphrase"):
        Vault.unlock(path, "wrong horse battery")
    secrets.delete_secret("account:1:oauth")
    assert Vault.unlock(path, "correct horse battery").names() == []


def test_vault_refuses_short_passphrases_and_tampering(tmp_path):
    with pytest.raises(VaultError, match="too short"):
        Vault.create(tmp_path / "v", "short", kdf=FAST)
    path = tmp_path / "vault"
    Vault.create(path, "long enough passphrase", kdf=FAST).set("a", "b")
    path.write_text(path.read_text().replace('"data": "g', '"data": "h'))
    with pytest.raises(VaultError):
        Vault.unlock(path, "long enough passphrase")
