"""Fixtures shared by the platform, accounts and secrets tests: an in-memory keyring,
a store, the fake OAuth server and the platform fakes, and small sample media."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import keyring
import pytest

from nexus_desktop import secrets
from nexus_desktop.providers.platforms import oauth
from nexus_desktop.providers.platforms.base import PostPackage
from nexus_desktop.settings import Settings
from nexus_desktop.store import Store
from nexus_desktop.store.accounts import AccountRepo

from keyring.backends import fail

from .memory_keyring import MemoryKeyring
from .oauth_server import FakeOAuthServer

CLIENT_ID = "nexus-test-client"
CLIENT_SECRET = "client-secret-Zq81vLmX0"


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    secrets.use_vault(None)
    yield backend
    keyring.set_keyring(previous)
    secrets.use_vault(None)


@pytest.fixture
def no_keyring():
    """No keyring backend works, as on a desktop without one; no vault opened either."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    secrets.use_vault(None)
    yield
    keyring.set_keyring(previous)
    secrets.use_vault(None)
    secrets.open_vault_when_needed(None)


@pytest.fixture
def platform_store(tmp_path, memory_keyring):
    store = Store.open(f"sqlite+pysqlite:///{tmp_path / 'nexus.sqlite3'}")
    yield store
    store.close()


@pytest.fixture
def accounts(platform_store) -> AccountRepo:
    return AccountRepo(platform_store.db)


@pytest.fixture
def oauth_fake():
    server = FakeOAuthServer()
    server.register_client(CLIENT_ID, CLIENT_SECRET)
    with server:
        yield server


def seed_account(accounts: AccountRepo, oauth_fake: FakeOAuthServer, platform: str, *, subject: str = "user-1",
                 remote_user_id: str = "remote-1", name: str = "Test account", details: dict | None = None,
                 scopes: tuple[str, ...] | None = None) -> int:
    """An account connected earlier: tokens from the fake OAuth server, stored in the keyring."""
    issued = oauth_fake.issue(subject, CLIENT_ID, scope=" ".join(scopes if scopes is not None else _scopes(platform)))
    tokens = oauth.TokenSet.from_response(issued)
    view = accounts.upsert(
        platform, name, remote_user_id=remote_user_id, token_expires_at=tokens.expires_at,
        details={"client_id": CLIENT_ID, "token_url": oauth_fake.token_url, "authorize_url": oauth_fake.authorize_url,
                 "refreshable": True, "scopes": list(scopes if scopes is not None else _scopes(platform)),
                 **(details or {})},
    )
    oauth.save_tokens(view.id, tokens, CLIENT_SECRET)
    return view.id


def _scopes(platform: str) -> tuple[str, ...]:
    """What the connect flow asks of each platform: the scopes the creator grants by default."""
    from nexus_desktop.providers.platforms import registry

    try:
        described = registry.description(platform)
    except Exception:
        return ()
    return described.oauth.scopes if described.oauth else ()


def settings_for(**publish) -> Settings:
    settings = Settings()
    for key, value in publish.items():
        setattr(settings.publish, key, value)
    return settings


_VIDEO_CACHE: dict[tuple[str, int], bytes] = {}


def make_video(path: Path, *, size: str = "108x192", seconds: float = 4.0, pad_to: int = 0) -> Path:
    """A real H.264 MP4 (moov first), padded with random bytes to ``pad_to`` to make uploads chunk."""
    key = (size, int(seconds * 10))
    if key not in _VIDEO_CACHE:
        from imageio_ffmpeg import get_ffmpeg_exe

        tmp = path.with_suffix(".raw.mp4")
        subprocess.run(
            [get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
             f"color=c=blue:s={size}:d={seconds}", "-c:v", "libx264", "-pix_fmt", "yuv420p",
             "-movflags", "+faststart", str(tmp)],
            check=True,
        )
        _VIDEO_CACHE[key] = tmp.read_bytes()
        tmp.unlink()
    data = _VIDEO_CACHE[key]
    padding = os.urandom(max(0, pad_to - len(data)))
    path.write_bytes(data + padding)
    return path


def make_package(tmp_path: Path, platform: str, *, account_id: int | None, video: Path, video_format: str = "9x16",
                 duration: float = 4.0, text: str = "A short post about batteries #energy",
                 title: str = "Solid-state batteries reach a second pilot line", upload_state: dict | None = None,
                 thumbnail: Path | None = None, captions: Path | None = None, options: dict | None = None,
                 post_id: int = 1, attempt_id: str = "attempt-1") -> PostPackage:
    return PostPackage(
        post_id=post_id, attempt_id=attempt_id, job_id=1, platform=platform, account_id=account_id,
        title=title, description="Cells that keep 91 percent of their capacity after 800 cycles.",
        text=text, hashtags=("#energy", "#batteries"), link="https://techdigest.example.org/a",
        video_path=video, video_format=video_format, video_duration=duration, thumbnail_path=thumbnail,
        captions_path=captions, scheduled_at=None, upload_state=upload_state or {}, options=options or {},
    )


class StateLog:
    """Collects save_state calls like the store would, and progress reports."""

    def __init__(self, crash_at_percent: int | None = None) -> None:
        self.state: dict = {}
        self.saves = 0
        self.progress: list[int] = []
        self.crash_at_percent = crash_at_percent

    def save(self, state: dict) -> None:
        self.state = dict(state)
        self.saves += 1

    def report(self, percent: int, message: str) -> None:
        self.progress.append(percent)
        if self.crash_at_percent is not None and percent >= self.crash_at_percent:
            raise AppKilled(percent)


class AppKilled(BaseException):
    """The app died mid-upload (a BaseException so no adapter code swallows it)."""
