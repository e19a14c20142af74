"""Platform name → the adapter that publishes there.

Adapters are imported only when a post needs one, so the official clients of
platforms nobody connected are never loaded. Adding a platform is one line in
``FACTORIES``: ``"name": "module:function"``, the function taking a
``PublisherSetup`` and returning a ``Publisher``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...paths import AppPaths
from ...settings import Settings
from .base import PublishError, Publisher


@dataclass(frozen=True)
class PublisherSetup:
    """What an adapter is built from: settings (base URLs, privacy...), folders, and the
    target it publishes to. Tokens are not here: the adapter reads them from ``secrets``."""

    settings: Settings
    paths: AppPaths
    account_id: int | None = None
    target_name: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)  # the target's config


PublisherFactory = Callable[[PublisherSetup], Publisher]

# platform → "module (in this package):factory"
FACTORIES: dict[str, str] = {
    "export": "export_folder:create",
    "youtube": "youtube:create",
    "instagram": "instagram:create",
    "x": "x:create",
    "linkedin": "linkedin:create",
    "mastodon": "mastodon:create",
}

_registered: dict[str, PublisherFactory] = {}


def register(platform: str, factory: PublisherFactory) -> None:
    """Add or replace an adapter at run time (plugins, and local stand-ins in tests)."""
    _registered[platform] = factory


def unregister(platform: str) -> None:
    _registered.pop(platform, None)


def known_platforms() -> list[str]:
    return sorted({*FACTORIES, *_registered})


def factory_for(platform: str) -> PublisherFactory:
    if platform in _registered:
        return _registered[platform]
    spec = FACTORIES.get(platform)
    if spec is None:
        raise PublishError(f"no publisher for the platform '{platform}'", hint="update the app, or remove this target")
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), name)


def create_publisher(platform: str, setup: PublisherSetup) -> Publisher:
    return factory_for(platform)(setup)
