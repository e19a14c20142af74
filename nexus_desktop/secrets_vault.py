"""An encrypted file for secrets, for computers without a working OS keyring.

The creator chooses it knowingly (``secrets.py`` never falls back to it on its
own) and unlocks it with a passphrase. The whole name → value map is one Fernet
token (AES-128-CBC + HMAC-SHA256) under a key derived from the passphrase with
scrypt; a wrong passphrase or a tampered file fails the HMAC check and is refused.
Nothing is ever written in plain text.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .domain.errors import UserFixableError

FORMAT = "nexus-desktop-vault"
VERSION = 1
MIN_PASSPHRASE = 8


class VaultError(UserFixableError):
    """The vault cannot be opened or written."""


@dataclass(frozen=True)
class KdfParams:
    # scrypt cost: 2**15 takes a fraction of a second here, much longer for a guesser.
    n: int = 2**15
    r: int = 8
    p: int = 1


def _derive(passphrase: str, salt: bytes, kdf: KdfParams) -> Fernet:
    raw = Scrypt(salt=salt, length=32, n=kdf.n, r=kdf.r, p=kdf.p).derive(passphrase.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(raw))


class Vault:
    """A passphrase-protected map of secret names to values, kept in one file."""

    def __init__(self, path: Path, fernet: Fernet, salt: bytes, kdf: KdfParams, values: dict[str, str]) -> None:
        self.path = path
        self._fernet = fernet
        self._salt = salt
        self._kdf = kdf
        self._values = values
        self._lock = threading.Lock()

    @classmethod
    def create(cls, path: Path, passphrase: str, *, kdf: KdfParams = KdfParams()) -> "Vault":
        if len(passphrase) < MIN_PASSPHRASE:
            raise VaultError("the passphrase is too short", hint=f"use at least {MIN_PASSPHRASE} characters")
        if path.exists():
            raise VaultError(f"a vault already exists at {path}", hint="unlock it with its passphrase")
        salt = os.urandom(16)
        vault = cls(path, _derive(passphrase, salt, kdf), salt, kdf, {})
        vault._save()
        return vault

    @classmethod
    def unlock(cls, path: Path, passphrase: str) -> "Vault":
        try:
            envelope = json.loads(path.read_text(encoding="utf-8"))
            if envelope.get("format") != FORMAT:
                raise ValueError("not a Nexus Desktop vault")
            if envelope.get("version") != VERSION:
                raise ValueError(f"vault version {envelope.get('version')} is not supported")
            kdf = KdfParams(**{k: int(envelope["kdf"][k]) for k in ("n", "r", "p")})
            salt = base64.b64decode(envelope["kdf"]["salt"])
            token = envelope["data"].encode("ascii")
        except FileNotFoundError:
            raise VaultError(f"there is no vault at {path}", hint="create one first") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise VaultError(f"the vault file {path} cannot be read: {exc}") from None
        fernet = _derive(passphrase, salt, kdf)
        try:
            values = json.loads(fernet.decrypt(token))
        except InvalidToken:
            raise VaultError("wrong passphrase for the secrets vault", hint="type it again") from None
        return cls(path, fernet, salt, kdf, dict(values))

    @staticmethod
    def exists(path: Path) -> bool:
        return path.is_file()

    def get(self, name: str) -> str | None:
        with self._lock:
            return self._values.get(name)

    def set(self, name: str, value: str) -> None:
        with self._lock:
            self._values[name] = value
            self._save()

    def delete(self, name: str) -> None:
        with self._lock:
            if self._values.pop(name, None) is not None:
                self._save()

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._values)

    def _save(self) -> None:
        token = self._fernet.encrypt(json.dumps(self._values).encode("utf-8")).decode("ascii")
        envelope = {
            "format": FORMAT,
            "version": VERSION,
            "kdf": {"name": "scrypt", "salt": base64.b64encode(self._salt).decode("ascii"), **self._kdf.__dict__},
            "data": token,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".vault-", suffix=".tmp")
        try:
            os.chmod(tmp, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(envelope, handle)
            os.replace(tmp, self.path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise VaultError(f"the secrets vault cannot be written: {exc}") from None
