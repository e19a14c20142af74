"""YouTube adapter against the local YouTube Data API stand-in."""

from __future__ import annotations

import pytest

from nexus_desktop.providers.platforms.base import NeedsReconnect, PublishError, TransientPublishError
from nexus_desktop.providers.platforms.oauth import AccountTokens
from nexus_desktop.providers.platforms.youtube import YouTubePublisher
from nexus_desktop.store.accounts import AccountStatus
from tests.fakes.accounts_env import (  # noqa: F401 (fixtures)
    AppKilled,
    StateLog,
    accounts,
    make_package,
    make_video,
    memory_keyring,
    oauth_fake,
    platform_store,
    seed_account,
    settings_for,
)
from tests.fakes.youtube_server import FakeYouTube

CHUNK = 256 * 1024


@pytest.fixture
def youtube(oauth_fake):
    with FakeYouTube(oauth_fake) as server:
        yield server


@pytest.fixture
def account_id(accounts, oauth_fake):
    return seed_account(accounts, oauth_fake, "youtube", remote_user_id="UCfake-channel", name="Nexus Test Channel")


def publisher(accounts, account_id, youtube, **kw) -> YouTubePublisher:
    settings = settings_for(youtube_base_url=youtube.url).publish
    return YouTubePublisher(settings, AccountTokens(account_id, accounts, settings), accounts, chunk_size=CHUNK, **kw)


@pytest.fixture
def video(tmp_path):
    return make_video(tmp_path / "v.mp4", size="192x108", pad_to=10 * CHUNK + 1234)


def test_uploads_with_thumbnail_captions_and_disclosures(tmp_path, accounts, account_id, youtube, video):
    thumb = tmp_path / "thumb.jpg"
    thumb.write_bytes(b"\xff\xd8jpeg" * 100)
    srt = tmp_path / "c.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:02,000\nHello\n")
    package = make_package(tmp_path, "youtube", account_id=account_id, video=video, video_format="16x9",
                           thumbnail=thumb, captions=srt)
    log = StateLog()
    result = publisher(accounts, account_id, youtube).publish(package, log.report, log.save)

    assert result.url == f"https://www.youtube.com/watch?v={result.remote_id}"
    stored = youtube.videos[result.remote_id]
    assert stored["size"] == video.stat().st_size
    assert stored["status"]["selfDeclaredMadeForKids"] is False
    assert stored["status"]["containsSyntheticMedia"] is True
    assert stored["status"]["privacyStatus"] == "private"
    assert stored["snippet"]["categoryId"] == "28"
    assert stored["snippet"]["tags"] == ["energy", "batteries"]
    assert youtube.thumbnails[result.remote_id] == thumb.stat().st_size
    assert len(youtube.captions) == 1
    assert log.state["video_id"] == result.remote_id
    assert log.progress[-1] == 100
    units, inserts = publisher(accounts, account_id, youtube).quota_used()
    assert (units, inserts) == (450, 1)
