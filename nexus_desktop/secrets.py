"""The only code that touches the OS keyring.

Tokens, API keys and client secrets are stored here under the service name
"nexus-desktop", never in the database, settings or logs. Every value read or
written is registered with the log filter so it cannot reach a log line.

The database URL's password lives here too: ``settings.save`` moves it out of the
URL, ``Store.for_settings`` puts it back to connect, and the Settings dialog shows
it as ``***``.

When no keyring backend works (a Linux box without a Secret Service, say), every
call says so plainly with ``NoSecretStore``; the creator can then choose the
passphrase-protected file vault (``secrets_vault.py``) with ``use_vault``. There
is no silent fallback, and a plain-text keyring backend is refused.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, quote, unquote, urlsplit, urlunsplit

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
_opener: Callable[[], Vault | None] | None = None


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


def open_vault_when_needed(opener: Callable[[], Vault | None] | None) -> None:
    """With no keyring, the first secret read or written calls ``opener`` (the command line
    asks for the passphrase) and keeps the vault it returns; None: no vault to open."""
    global _opener
    _opener = opener


def _vault_instead() -> Vault | None:
    global _opener
    opener, _opener = _opener, None  # ask once per process
    vault = opener() if opener is not None else None
    if vault is not None:
        use_vault(vault)
    return vault


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
        hint="start a Secret Service (e.g. GNOME Keyring or KWallet), or use a passphrase-protected vault: "
             "Accounts → Secrets vault, or nexus vault create",
    )


def get_secret(name: str) -> str | None:
    vault = _vault
    if vault is not None:
        value = vault.get(name)
    else:
        try:
            value = _backend().get_password(SERVICE, name)
        except NoKeyringError as exc:
            if _vault_instead() is not None:
                return get_secret(name)
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
        if _vault_instead() is not None:
            return set_secret(name, value)
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


# -- the database password ----------------------------------------------------------------------

DATABASE_PASSWORD = "store.database_password"
MASK = "***"


def _split_netloc(url: str) -> tuple[SplitResult, str | None, str | None, str]:
    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at:
        return parts, None, None, parts.netloc
    user, colon, password = userinfo.partition(":")
    return parts, unquote(user), (unquote(password) if colon else None), host


def _with_netloc(parts: SplitResult, user: str | None, password: str | None, host: str) -> str:
    shown = MASK if password == MASK else quote(password or "", safe="")
    userinfo = quote(user or "", safe="") + (f":{shown}" if password is not None else "")
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{host}" if user or password else host))


def mask_database_url(url: str) -> str:
    """The URL as the Settings dialog shows it: a password becomes ***."""
    parts, user, password, host = _split_netloc(url)
    return _with_netloc(parts, user, MASK, host) if password else url


def keep_database_password(url: str) -> str:
    """Move a password in the database URL to the keyring (or the vault); return the URL
    without it, for settings.json. ``***`` (the masked value shown) leaves the kept one alone."""
    parts, user, password, host = _split_netloc(url)
    if not password:
        return url
    if password != MASK:
        set_secret(DATABASE_PASSWORD, password)
    return _with_netloc(parts, user, None, host)


def database_url_with_password(url: str) -> str:
    """The URL to connect with: the kept password put back when the URL names a user without one."""
    parts, user, password, host = _split_netloc(url)
    if not user or password:
        return url
    try:
        kept = get_secret(DATABASE_PASSWORD)
    except UserFixableError as exc:  # no keyring: connect without one (trust or .pgpass), and say why
        log.info("no database password from the keyring: %s", exc)
        return url
    return _with_netloc(parts, user, kept, host) if kept else url
