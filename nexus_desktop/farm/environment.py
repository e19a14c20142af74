"""A worker in a container: settings and secrets from environment variables.

A container has no settings dialog and no OS keyring, so ``nexus worker`` reads
these variables when they are set (the compose file in ``packaging/farm/`` sets
them); anything not set comes from the data folder's settings and the keyring.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ..providers.storage.s3_client import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from ..settings import Settings
from .config import BROKER_PASSWORD, ENV_BROKER_PASSWORD, ENV_BROKER_URL

# variable → the setting it stands for
ENV_SETTINGS: dict[str, str] = {
    "NEXUS_DATABASE_URL": "store.database_url",
    ENV_BROKER_URL: "farm.broker_url",
    "NEXUS_S3_ENDPOINT": "sync.endpoint_url",
    "NEXUS_S3_BUCKET": "sync.bucket",
    "NEXUS_S3_PREFIX": "sync.prefix",
    "NEXUS_S3_REGION": "sync.region",
}
# variable → the keyring entry it stands for
ENV_SECRETS: dict[str, str] = {
    ENV_BROKER_PASSWORD: BROKER_PASSWORD,
    "NEXUS_S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
    "NEXUS_S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
}


class EnvironmentSecrets:
    """Secrets given in the environment, in the shape ``secrets.use_vault`` takes; read-only."""

    path = "the environment"

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)

    def names(self) -> list[str]:
        return list(self._values)

    def get(self, name: str) -> str | None:
        return self._values.get(name)

    def set(self, name: str, value: str) -> None:
        self._values[name] = value

    def delete(self, name: str) -> None:
        self._values.pop(name, None)


def apply(settings: Settings, environ: Mapping[str, str] | None = None) -> list[str]:
    """Override settings (in memory) and secrets from the environment; returns the variables used."""
    env = os.environ if environ is None else environ
    used = [name for name in (*ENV_SETTINGS, *ENV_SECRETS) if env.get(name)]
    for name, dotted in ENV_SETTINGS.items():
        if env.get(name):
            section, field = dotted.split(".")
            setattr(getattr(settings, section), field, env[name])
            if section == "sync":
                settings.sync.enabled = True
    secrets = {entry: env[name] for name, entry in ENV_SECRETS.items() if env.get(name)}
    if secrets:
        from ..secrets import use_vault

        use_vault(EnvironmentSecrets(secrets))  # type: ignore[arg-type]
    return used
