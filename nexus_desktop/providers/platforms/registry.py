"""Platform name → its description (``descriptions/<name>.py``) and the adapter that publishes there.

Descriptions are light data modules, loaded on first use; adapters are imported only
when a post needs one, so the official clients of platforms nobody connected are
never loaded. Adding a network is one line in ``DESCRIPTION_MODULES`` plus its
description module (which names its adapter as ``"module:function"``, the function
taking a ``PublisherSetup`` and returning a ``Publisher``).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...paths import AppPaths
from ...settings import Settings
from .accounts import Accounts
from .base import PublishError, Publisher
from .description import PlatformDescription

# The networks, in the order the app offers them (modules in ``descriptions/``).
DESCRIPTION_MODULES: tuple[str, ...] = ("youtube", "instagram", "x", "linkedin", "tiktok", "facebook", "threads", "bluesky",
                                         "mastodon")


@dataclass(frozen=True)
class PublisherSetup:
    """What an adapter is built from: settings (base URLs, privacy...), folders, the target it
    publishes to, and the connected accounts (tokens themselves stay in the keyring)."""

    settings: Settings
    paths: AppPaths
    account_id: int | None = None
    target_name: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)  # the target's config
    accounts: Accounts | None = None


PublisherFactory = Callable[[PublisherSetup], Publisher]

# Targets without a description yet (the export folder is not a network): "module:factory".
FACTORIES: dict[str, str] = {
    "export": "export_folder:create",
}

_registered: dict[str, PublisherFactory] = {}
_descriptions: dict[str, PlatformDescription] = {}
_loaded = threading.Lock()


def _load() -> dict[str, PlatformDescription]:
    with _loaded:
        if not _descriptions:
            for module in DESCRIPTION_MODULES:
                found: PlatformDescription = importlib.import_module(f"{__package__}.descriptions.{module}").DESCRIPTION
                _descriptions[found.name] = found
    return _descriptions


def descriptions() -> list[PlatformDescription]:
    """Every network the app can publish to, in the order it offers them."""
    return list(_load().values())


def description(platform: str) -> PlatformDescription:
    found = _load().get(platform)
    if found is None:
        raise PublishError(f"no description of the platform '{platform}'", hint="update the app, or remove this target")
    return found


def display_name(platform: str) -> str:
    found = _load().get(platform)
    return found.display_name if found else ("Export folder" if platform == "export" else platform)


def register(platform: str, factory: PublisherFactory) -> None:
    """Add or replace an adapter at run time (plugins, and local stand-ins in tests)."""
    _registered[platform] = factory


def unregister(platform: str) -> None:
    _registered.pop(platform, None)


def known_platforms() -> list[str]:
    """The export folder first (it needs no account), then every network by name."""
    return ["export", *sorted({*FACTORIES, *_load(), *_registered} - {"export"})]


def factory_for(platform: str) -> PublisherFactory:
    if platform in _registered:
        return _registered[platform]
    spec = FACTORIES.get(platform) or (_load()[platform].adapter if platform in _load() else None)
    if spec is None:
        raise PublishError(f"no publisher for the platform '{platform}'", hint="update the app, or remove this target")
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), name)


def create_publisher(platform: str, setup: PublisherSetup) -> Publisher:
    return factory_for(platform)(setup)
