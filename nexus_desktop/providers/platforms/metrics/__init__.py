"""Reading a published post's figures back from its platform.

One reader per platform, behind ``MetricsReader``, built like the publishing
adapters: from a ``PublisherSetup`` (settings for base URLs, the target's
account for tokens through ``oauth.tokens_for``). Adding a platform is one line
in ``READERS``. Readers raise the publishing errors the app already knows
(``TransientPublishError`` for quota and rate limits, ``NeedsReconnect``), plus
``PostGone`` and ``MissingScope`` below.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ....domain.errors import UserFixableError
from ....domain.metrics import Figures
from ..registry import PublisherSetup


class PostGone(UserFixableError):
    """The platform no longer has the post (deleted, or removed by the platform): stop measuring it."""


class MissingScope(UserFixableError):
    """The account's sign-in lacks the permission to read figures (never granted, or revoked)."""


class NotMeasurable(UserFixableError):
    """This platform offers no way to read figures (the export folder): type them in or import a CSV."""


@dataclass(frozen=True)
class Quota:
    """How much of a platform's allowance the app used, for the Health view."""

    used: int
    limit: int | None  # None: the platform publishes no fixed figure
    unit: str  # "units", "calls"
    resets_at: datetime | None = None

    @property
    def left(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used)


@runtime_checkable
class MetricsReader(Protocol):
    platform: str

    def read(self, remote_id: str, options: Mapping[str, Any]) -> Figures:
        """The post's figures now. ``options`` is the target's config (organization page...)."""

    def quota(self) -> Quota | None:
        """What of the platform's allowance is used today, if the app keeps count."""


@runtime_checkable
class LiveEditor(Protocol):
    """A reader that can also change a live post (title and thumbnail tests)."""

    def set_title(self, remote_id: str, title: str) -> None: ...

    def set_thumbnail(self, remote_id: str, image: Path) -> None: ...


ReaderFactory = Callable[[PublisherSetup], MetricsReader]

# platform → "module (in this package):factory"
READERS: dict[str, str] = {
    "youtube": "youtube:create",
    "instagram": "instagram:create",
    "x": "x:create",
    "linkedin": "linkedin:create",
}

# The permission each platform's sign-in needs for reading figures, beyond publishing.
SCOPES: dict[str, tuple[str, ...]] = {
    "youtube": ("https://www.googleapis.com/auth/yt-analytics.readonly",),
    "instagram": ("instagram_manage_insights",),
    "x": ("tweet.read", "users.read"),
    "linkedin": ("r_member_postAnalytics",),  # a page's posts need r_organization_social instead
}

# Which platforms let a live post's title or thumbnail be changed through the API.
EDITABLE_LIVE = {
    "youtube": ("title", "thumbnail"),  # videos.update snippet.title, thumbnails.set
    "instagram": (),  # caption edits only; no title, cover fixed after publishing
    "x": (),  # edits are a paid, 1-hour, 5-times window and reset the metrics
    "linkedin": (),  # commentary can be edited; a video's thumbnail cannot
}

_registered: dict[str, ReaderFactory] = {}


def register(platform: str, factory: ReaderFactory) -> None:
    _registered[platform] = factory


def unregister(platform: str) -> None:
    _registered.pop(platform, None)


def measurable(platform: str) -> bool:
    return platform in _registered or platform in READERS


def create_reader(platform: str, setup: PublisherSetup) -> MetricsReader:
    if platform in _registered:
        return _registered[platform](setup)
    spec = READERS.get(platform)
    if spec is None:
        raise NotMeasurable(f"figures cannot be read from {platform}", hint="type them in, or import a CSV")
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), name)(setup)
