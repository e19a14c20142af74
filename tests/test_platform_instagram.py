"""Instagram adapter against the local Graph API stand-in."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from nexus_desktop.providers.platforms.base import NeedsReconnect, PublishError, TransientPublishError
from nexus_desktop.providers.platforms.instagram import InstagramPublisher
from nexus_desktop.providers.platforms.oauth import AccountTokens
from tests.fakes.accounts_env import (  # noqa: F401 (fixtures)
    AppKilled, StateLog, accounts, make_package, make_video, memory_keyring, oauth_fake, platform_store, seed_account,
    settings_for,
)
from tests.fakes.instagram_server import FakeInstagram

CHUNK = 64 * 1024


@pytest.fixture
def instagram(oauth_fake):
    with FakeInstagram(oauth_fake) as server:
        yield server


@pytest.fixture
def account_id(accounts, oauth_fake, instagram):
    return seed_account(accounts, oauth_fake, "instagram", remote_user_id=instagram.ig_user_id, name="nexus.test")


def publisher(accounts, account_id, instagram) -> InstagramPublisher:
    settings = settings_for(instagram_base_url=instagram.url).publish
    return InstagramPublisher(settings, AccountTokens(account_id, accounts, settings), chunk_size=CHUNK, sleep=lambda s: None)


@pytest.fixture
def video(tmp_path):
    return make_video(tmp_path / "v.mp4", pad_to=10 * CHUNK)


def test_reel_is_uploaded_polled_until_finished_then_published(tmp_path, accounts, account_id, instagram, video):
    package = make_package(tmp_path, "instagram", account_id=account_id, video=video)
    log = StateLog()
    result = publisher(accounts, account_id, instagram).publish(package, log.report, log.save)
    assert result.url.startswith("https://www.instagram.com/reel/")
    container = instagram.containers[log.state["container_id"]]
    assert container.status == "PUBLISHED" and container.share_to_feed
    assert container.caption.endswith("#batteries")  # the missing hashtag appended, #energy kept once
    assert instagram.bytes_received == video.stat().st_size


def test_publishing_before_finished_is_refused_by_the_fake(oauth_fake, instagram):
    import httpx

    token = oauth_fake.issue()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    created = httpx.post(f"{instagram.url}/v21.0/{instagram.ig_user_id}/media",
                         data={"media_type": "REELS", "video_url": "https://example.org/v.mp4"}, headers=headers).json()
    answer = httpx.post(f"{instagram.url}/v21.0/{instagram.ig_user_id}/media_publish",
                        data={"creation_id": created["id"]}, headers=headers)
    assert answer.status_code == 400 and answer.json()["error"]["error_subcode"] == 2207027


def test_upload_resumes_at_the_acknowledged_offset_after_a_restart(tmp_path, accounts, account_id, instagram, video):
    package = make_package(tmp_path, "instagram", account_id=account_id, video=video)
    crashed = StateLog(crash_at_percent=36)
    with pytest.raises(AppKilled):
        publisher(accounts, account_id, instagram).publish(package, crashed.report, crashed.save)
    assert crashed.state["uploaded"] == 4 * CHUNK
    again = make_package(tmp_path, "instagram", account_id=account_id, video=video, upload_state=crashed.state)
    result = publisher(accounts, account_id, instagram).publish(again, StateLog().report, StateLog().save)
    assert instagram.bytes_received == video.stat().st_size
    assert result.remote_id in instagram.media


def test_token_near_expiry_is_exchanged_for_a_new_long_lived_one(tmp_path, accounts, account_id, instagram, oauth_fake, video):
    accounts.set_token_expiry(account_id, datetime.now(timezone.utc) + timedelta(minutes=2))
    package = make_package(tmp_path, "instagram", account_id=account_id, video=video)
    publisher(accounts, account_id, instagram).publish(package, StateLog().report, StateLog().save)
    assert oauth_fake.grants_used == ["fb_exchange_token"]
    assert accounts.get(account_id).token_expires_at > datetime.now(timezone.utc) + timedelta(days=50)


def test_an_expired_long_lived_token_needs_reconnecting(tmp_path, accounts, account_id, instagram, oauth_fake, video):
    oauth_fake.expire_all()
    package = make_package(tmp_path, "instagram", account_id=account_id, video=video)
    with pytest.raises(NeedsReconnect):
        publisher(accounts, account_id, instagram).publish(package, StateLog().report, StateLog().save)
    assert accounts.get(account_id).status.value == "needs_reconnect"


def test_rate_limit_header_and_permanent_error(tmp_path, accounts, account_id, instagram, video):
    instagram.script("POST", r"/v[\d.]+/\d+/media", 429, {"error": {"message": "Application request limit reached", "code": 4}},
                     headers={"Retry-After": "1"})
    package = make_package(tmp_path, "instagram", account_id=account_id, video=video)
    with pytest.raises(TransientPublishError) as caught:
        publisher(accounts, account_id, instagram).publish(package, StateLog().report, StateLog().save)
    assert caught.value.retry_after == 1
    instagram.script("POST", r"/v[\d.]+/\d+/media", 400, {"error": {"message": "The video file you selected is in a format that we don't support.",
                     "type": "OAuthException", "code": 352, "error_subcode": 2207026}})
    with pytest.raises(PublishError, match="format that we don't support.*H.264"):
        publisher(accounts, account_id, instagram).publish(package, StateLog().report, StateLog().save)


def test_reconciliation_finds_the_published_reel(tmp_path, accounts, account_id, instagram, video):
    package = make_package(tmp_path, "instagram", account_id=account_id, video=video)
    log = StateLog()
    result = publisher(accounts, account_id, instagram).publish(package, log.report, log.save)
    state = {k: v for k, v in log.state.items() if k != "media_id"}  # crashed before saving the media id
    crashed = make_package(tmp_path, "instagram", account_id=account_id, video=video, upload_state=state)
    assert publisher(accounts, account_id, instagram).find_existing(crashed) == result
    assert publisher(accounts, account_id, instagram).find_existing(
        make_package(tmp_path, "instagram", account_id=account_id, video=video)) is None
