"""One description per platform: every network's knowledge in one frozen record, registered once,
and the platform code reaching accounts only through the interface it is handed."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from nexus_desktop.providers.platforms import registry
from nexus_desktop.providers.platforms.accounts import Accounts
from nexus_desktop.providers.platforms.description import PlatformDescription
from nexus_desktop.store.accounts import AccountRepo
from tests.fakes.accounts_env import accounts, memory_keyring, platform_store  # noqa: F401 (fixtures)

PROVIDERS = Path(__file__).resolve().parents[1] / "nexus_desktop" / "providers"


def test_each_network_has_one_frozen_description_in_the_registry():
    found = registry.descriptions()
    assert [d.name for d in found] == ["youtube", "instagram", "x", "linkedin", "tiktok", "facebook", "threads", "bluesky",
                                      "mastodon"]
    for described in found:
        assert isinstance(described, PlatformDescription)
        with pytest.raises(dataclasses.FrozenInstanceError):
            described.name = "other"  # type: ignore[misc]
        assert described.display_name and described.icon and described.guide
        # Bluesky signs in with an app password, Mastodon registers an app on each instance
        assert (described.oauth is not None and described.oauth.scopes) or described.name in ("bluesky", "mastodon")
        assert described.video is not None and described.text is not None
        assert described.docs and all(url.startswith("https://") for url in described.docs)
        assert registry.factory_for(described.name) is not None
    assert registry.display_name("x") == "X" and registry.display_name("export") == "Export folder"


def test_the_store_repository_is_an_accounts_interface(accounts):
    assert isinstance(accounts, AccountRepo) and isinstance(accounts, Accounts)


def test_no_module_under_providers_imports_the_store():
    offenders = []
    for path in PROVIDERS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if any(n == "store" or n.startswith("store.") or ".store" in n for n in names):
                offenders.append(f"{path.relative_to(PROVIDERS)}:{node.lineno}")
    assert offenders == []


def test_the_readme_carries_each_platforms_connect_guide_as_the_app_shows_it():
    readme = (PROVIDERS.parents[1] / "README.md").read_text(encoding="utf-8")
    for described in registry.descriptions():
        assert described.guide in readme, f"README.md lacks the {described.display_name} guide"
