"""A keyring backend that keeps secrets in a JSON file named by NEXUS_TEST_KEYRING.

Tests have no Secret Service; this lets the real ``secrets.py`` path run, in the
test process (``keyring.set_keyring``) and in worker processes
(``PYTHON_KEYRING_BACKEND=tests.fakes.keyring_file.FileKeyring``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    @properties.classproperty
    def priority(cls) -> float:
        # Not viable unless asked for, so keyring's own detection never picks it for other tests.
        if "NEXUS_TEST_KEYRING" not in os.environ:
            raise RuntimeError("NEXUS_TEST_KEYRING is not set")
        return 1

    def __init__(self, path: str | Path | None = None) -> None:
        super().__init__()
        self._path = Path(path) if path else None

    @property
    def path(self) -> Path:
        return self._path or Path(os.environ["NEXUS_TEST_KEYRING"])

    def _load(self) -> dict[str, str]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}/{username}"] = password
        self.path.write_text(json.dumps(data), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError(username)
        self.path.write_text(json.dumps(data), encoding="utf-8")
