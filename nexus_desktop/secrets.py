"""The only code that touches the OS keyring.

Tokens, API keys and client secrets are stored here under the service name
"nexus-desktop", never in the database, settings or logs. Every value read or
written is registered with the log filter so it cannot reach a log line.
"""

from __future__ import annotations

import logging

import keyring
from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError

from . import log_redaction
from .domain.errors import UserFixableError

SERVICE = "nexus-desktop"
log = logging.getLogger(__name__)


class NoSecretStore(UserFixableError):
    """No keyring backend works on this computer."""


def _no_backend(exc: Exception) -> NoSecretStore:
    return NoSecretStore(
        "no system keyring is available to keep keys and tokens safely",
        hint="start a Secret Service (e.g. GNOME Keyring or KWallet), or use the passphrase-protected vault in Settings",
    )


def get_secret(name: str) -> str | None:
    try:
        value = keyring.get_password(SERVICE, name)
    except NoKeyringError as exc:
        raise _no_backend(exc) from None
    except KeyringError as exc:
        raise UserFixableError(f"the keyring could not be read: {exc}") from None
    log_redaction.register(value)
    return value


def set_secret(name: str, value: str) -> None:
    log_redaction.register(value)
    try:
        keyring.set_password(SERVICE, name, value)
    except NoKeyringError as exc:
        raise _no_backend(exc) from None
    except KeyringError as exc:
        raise UserFixableError(f"the keyring refused to store {name}: {exc}") from None


def delete_secret(name: str) -> None:
    try:
        keyring.delete_password(SERVICE, name)
    except PasswordDeleteError:
        pass  # already gone
    except NoKeyringError as exc:
        raise _no_backend(exc) from None
