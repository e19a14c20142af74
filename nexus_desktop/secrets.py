"""The only code that touches the OS keyring.

Tokens, API keys and client secrets are stored here under the service name
"nexus-desktop", never in the database, settings or logs. Every value read or
written is registered with the log filter so it cannot reach a log line.

When no keyring backend works (a Linux box without a Secret Service, say), every
call says so plainly with ``NoSecretStore``; the creator can then choose the
passphrase-protected file vault (``secrets_vault.py``) with ``use_vault``. There
is no silent fallback, and a plain-text keyring backend is refused.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import keyring
from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError

from . import log_redaction
from .domain.errors import UserFixableError
from .secrets_vault import Vault

SERVICE = "nexus-desktop"
VAULT_FILE = "secrets.vault"
log = logging.getLogger(__name__)

_lock = threading.Lock()
_vault: Vault | None = None


class NoSecretStore(UserFixableError):
    """No keyring backend works on this computer."""


@dataclass(frozen=True)
class SecretStoreStatus:
    kind: str  # "keyring", "vault" or "none"
    name: str  # the backend a person would recognise
    message: str  # what to tell the creator

    @property
    def usable(self) -> bool:
        return self.kind != "none"


def vault_path(data_dir: Path) -> Path:
    return data_dir / VAULT_FILE


def use_vault(vault: Vault | None) -> None:
    """Keep secrets in this unlocked vault from now on (None: back to the keyring)."""
    global _vault
    with _lock:
        _vault = vault
    if vault is not None:
        for name in vault.names():
            log_redaction.register(vault.get(name))
        log.info("secrets are kept in the passphrase-protected vault %s", vault.path)


def _plaintext(backend: keyring.backend.KeyringBackend) -> bool:
    # keyrings.alt's PlaintextKeyring (and anything like it) writes values readable by anyone.
    return "plaintext" in type(backend).__name__.lower() or "plaintext" in type(backend).__module__.lower()


def _backend() -> keyring.backend.KeyringBackend:
    backend = keyring.get_keyring()
    if _plaintext(backend):
        raise NoKeyringError(f"refusing the plain-text keyring backend {type(backend).__name__}")
    return backend


def status() -> SecretStoreStatus:
    """Where secrets go now, in words for the Accounts view."""
    if _vault is not None:
        return SecretStoreStatus("vault", "passphrase vault", f"Secrets are kept in the encrypted vault {_vault.path}.")
    try:
        backend = _backend()
    except NoKeyringError as exc:
        return SecretStoreStatus("none", "none", f"No system keyring is available ({exc}).")
    if getattr(backend, "priority", 1) <= 0:
        return SecretStoreStatus(
            "none",
            "none",
            "No system keyring is available on this computer, so keys and tokens cannot be kept safely. "
            "Start a Secret Service (GNOME Keyring, KWallet) or use a passphrase-protected vault.",
        )
    return SecretStoreStatus("keyring", type(backend).__name__, f"Secrets are kept in the system keyring ({backend.name}).")


def _no_backend(exc: Exception) -> NoSecretStore:
    return NoSecretStore(
        "no system keyring is available to keep keys and tokens safely",
        hint="start a Secret Service (e.g. GNOME Keyring or KWallet), or use the passphrase-protected vault in Accounts",
    )


def get_secret(name: str) -> str | None:
    vault = _vault
    if vault is not None:
        value = vault.get(name)
    else:
        try:
            value = _backend().get_password(SERVICE, name)
        except NoKeyringError as exc:
            raise _no_backend(exc) from None
        except KeyringError as exc:
            raise UserFixableError(f"the keyring could not be read: {exc}") from None
    log_redaction.register(value)
    return value


def set_secret(name: str, value: str) -> None:
    log_redaction.register(value)
    vault = _vault
    if vault is not None:
        vault.set(name, value)
        return
    try:
        _backend().set_password(SERVICE, name, value)
    except NoKeyringError as exc:
        raise _no_backend(exc) from None
    except KeyringError as exc:
        raise UserFixableError(f"the keyring refused to store {name}: {exc}") from None


def delete_secret(name: str) -> None:
    vault = _vault
    if vault is not None:
        vault.delete(name)
        return
    try:
        _backend().delete_password(SERVICE, name)
    except PasswordDeleteError:
        pass  # already gone
    except NoKeyringError as exc:
        raise _no_backend(exc) from None
