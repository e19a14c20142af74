"""Threads adapter against the local Threads API stand-in and the real S3 test server."""

from __future__ import annotations

import pytest

from nexus_desktop.providers.platforms import threads
from nexus_desktop.providers.platforms.base import NeedsReconnect, PublishError
from nexus_desktop.providers.platforms.networks import NetworkTokens, token_set
from nexus_desktop.providers.platforms.oauth import save_tokens
from nexus_desktop.providers.platforms.threads import ThreadsPublisher
from tests.fakes.accounts_env import (  # noqa: F401 (fixtures)
    AppKilled, StateLog, accounts, make_package, make_video, memory_keyring, platform_store,
)
from tests.fakes.oauth_server import browser_landing_address
from tests.fakes.sync_world import public_links_for, s3  # noqa: F401 (fixture)
from tests.fakes.threads_server import FakeThreads


@pytest.fixture
def fake():
    with FakeThreads() as server:
        yield server


@pytest.fixture
def links(s3, memory_keyring, tmp_path):
    return public_links_for(s3, tmp_path / "sync-state")


def seed(accounts, server: FakeThreads) -> int:
    view = accounts.upsert("threads", "@nexus.threads", remote_user_id=server.user_id, token_expires_at=None,
                           details={"client_id": server.client_id, "refreshable": True})
    save_tokens(view.id, token_set({"access_token": server.issue(), "expires_in": 60 * 86400}), server.client_secret)
    return view.id


def publisher(accounts, account_id, server, links, **options) -> ThreadsPublisher:
    tokens = NetworkTokens(account_id, accounts, refresher=threads.refresher(server.url))
    return ThreadsPublisher(tokens, base_url=server.url, links=links, sleep=lambda s: None, **options)


@pytest.fixture
def video(tmp_path):
    return make_video(tmp_path / "v.mp4", size="108x192")


def test_connect_exchanges_for_a_60_day_token(accounts, fake):
    landed: list[str] = []
    view = threads.connect(fake.client_id, fake.client_secret, accounts=accounts, base_url=fake.url,
                           authorize_url=f"{fake.url}/oauth/authorize", open_url=lambda url: landed.append(browser_landing_address(url)),
                           ask_address=lambda redirect: landed[0])
    assert (view.name, view.remote_user_id) == ("@nexus.threads", fake.user_id)
    assert view.token_expires_at is not None and (view.token_expires_at.timestamp() - __import__("time").time()) > 50 * 86400


def test_a_video_post_goes_through_a_short_lived_link_from_the_bucket(tmp_path, accounts, fake, links, video):
    account_id = seed(accounts, fake)
    package = make_package(tmp_path, "threads", account_id=account_id, video=video, text="Solid-state cells #energy")
    result = publisher(accounts, account_id, fake, links).publish(package, StateLog().report, StateLog().save)
    (url,) = fake.fetched
    assert "X-Amz-Expires=3600" in url and "X-Amz-Signature=" in url  # presigned, an hour
    assert fake.bytes_fetched == video.stat().st_size
    (media,) = fake.media.values()
    assert media["media_type"] == "VIDEO" and media["text"] == package.text
    assert result.remote_id == media["id"] and result.url == media["permalink"]


def test_without_a_bucket_the_video_post_is_refused_and_a_text_post_with_the_link_works(tmp_path, accounts, fake, video):
    account_id = seed(accounts, fake)
    package = make_package(tmp_path, "threads", account_id=account_id, video=video, text="Solid-state cells")
    with pytest.raises(PublishError, match="Threads takes a video only from a public web address, and no bucket is set up"):
        publisher(accounts, account_id, fake, None).publish(package, StateLog().report, StateLog().save)
    assert fake.containers == {}
    result = publisher(accounts, account_id, fake, None, text_only=True).publish(package, StateLog().report, StateLog().save)
    (media,) = fake.media.values()
    assert media["media_type"] == "TEXT" and media["text"] == "Solid-state cells\nhttps://techdigest.example.org/a"
    assert result.remote_id == media["id"]


def test_text_over_500_is_refused_counting_emoji_bytes(tmp_path, accounts, fake, video):
    account_id = seed(accounts, fake)
    package = make_package(tmp_path, "threads", account_id=account_id, video=video, text="a" * 400 + "🔋" * 30)
    (problem,) = publisher(accounts, account_id, fake, None, text_only=True).preflight(package)  # 400 + 30 × 4 + the link
    assert problem.startswith("the text is 553 characters (an emoji counts as its bytes); Threads allows 500")


def test_a_crash_after_the_container_publishes_that_container_once(tmp_path, accounts, fake, links, video):
    account_id = seed(accounts, fake)
    package = make_package(tmp_path, "threads", account_id=account_id, video=video)
    crashed = StateLog(crash_at_percent=40)
    with pytest.raises(AppKilled):
        publisher(accounts, account_id, fake, links).publish(package, crashed.report, crashed.save)
    again = make_package(tmp_path, "threads", account_id=account_id, video=video, upload_state=crashed.state)
    assert publisher(accounts, account_id, fake, links).find_existing(again) is None
    first = publisher(accounts, account_id, fake, links).publish(again, StateLog().report, StateLog().save)
    lost = make_package(tmp_path, "threads", account_id=account_id, video=video,
                        upload_state={"container_id": crashed.state["container_id"]})  # the media id was never saved
    assert publisher(accounts, account_id, fake, links).find_existing(lost) == first
    assert len(fake.containers) == 1 and len(fake.media) == 1 and len(fake.fetched) == 1


def test_a_video_over_five_minutes_is_refused(tmp_path, accounts, fake, links, video):
    account_id = seed(accounts, fake)
    package = make_package(tmp_path, "threads", account_id=account_id, video=video, duration=301)
    (problem,) = publisher(accounts, account_id, fake, links).preflight(package)
    assert problem.startswith("9:16 video is 301 s; Threads videos allow 300 s")


def test_a_token_revoked_mid_post_asks_to_reconnect(tmp_path, accounts, fake, video):
    account_id = seed(accounts, fake)
    package = make_package(tmp_path, "threads", account_id=account_id, video=video)

    def revoke(percent: int, message: str) -> None:
        if percent >= 40:
            fake.revoke_all()

    with pytest.raises(NeedsReconnect):
        publisher(accounts, account_id, fake, None, text_only=True).publish(package, revoke, StateLog().save)
    assert accounts.get(account_id).status == "needs_reconnect" and fake.media == {}
