"""What the farm needs from the settings and the keyring, without importing Celery."""

from __future__ import annotations

import importlib.util
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from .. import __version__
from ..domain.errors import UserFixableError
from ..domain.stages import Stage
from ..settings import FarmSettings, Settings

BROKER_PASSWORD = "farm-broker-password"  # the keyring entry (secrets.py)
RENDER_QUEUE, LIGHT_QUEUE = "nexus.render", "nexus.light"
QUEUES = (RENDER_QUEUE, LIGHT_QUEUE)
# Render fills a machine's cores: its own queue, so a worker can take one render at a
# time while another machine (or a second worker) clears the light stages.
STAGE_QUEUES = {Stage.ANALYZE: LIGHT_QUEUE, Stage.NARRATE: LIGHT_QUEUE, Stage.VISUALIZE: LIGHT_QUEUE, Stage.RENDER: RENDER_QUEUE}
APP_VERSION = __version__  # tasks carry it; a worker on another version refuses them
# Environment variables a worker reads instead of settings and keyring (containers have neither).
ENV_BROKER_URL, ENV_BROKER_PASSWORD = "NEXUS_BROKER_URL", "NEXUS_BROKER_PASSWORD"


class FarmUnavailable(UserFixableError):
    """The broker is not installed, not set, or not answering."""


def celery_installed() -> bool:
    return importlib.util.find_spec("celery") is not None


def enabled(settings: Settings) -> bool:
    """A broker is set: stages go to the farm instead of running here."""
    return bool(settings.farm.broker_url.strip())


def time_limit(farm: FarmSettings, stage: Stage) -> float:
    return float(getattr(farm, f"{stage.value}_time_limit"))


def redacted(url: str) -> str:
    """The URL with any password taken out, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def broker_url(settings: Settings, environ: dict[str, str] | None = None) -> str:
    """The broker URL with its password from the keyring (or the environment in a container)."""
    import os

    env = os.environ if environ is None else environ
    url = (env.get(ENV_BROKER_URL) or settings.farm.broker_url).strip()
    if not url:
        raise FarmUnavailable("no farm broker is set", hint="set one with: nexus farm set amqp://USER@HOST:5672//")
    parts = urlsplit(url)
    if parts.scheme not in ("amqp", "amqps", "pyamqp"):
        raise FarmUnavailable(f"the farm broker URL {redacted(url)} is not an amqp:// URL", hint="RabbitMQ URLs start with amqp://")
    if parts.password is not None or not parts.username:
        return url
    password = env.get(ENV_BROKER_PASSWORD)
    if password is None:
        from ..secrets import get_secret

        password = get_secret(BROKER_PASSWORD)
    if not password:
        return url
    netloc = f"{parts.username}:{quote(password, safe='')}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def split_password(url: str) -> tuple[str, str | None]:
    """A URL typed with its password → (the URL without it, the password) for the keyring."""
    parts = urlsplit(url)
    if parts.password is None:
        return url, None
    netloc = f"{parts.username}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), unquote(parts.password)
