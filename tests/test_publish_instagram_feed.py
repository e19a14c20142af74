"""Issue 15, left over: an Instagram feed post shows the post's thumbnail, which Instagram
fetches itself from a public address. With a Sync bucket the thumbnail goes there as a JPEG and
Instagram gets an hour-long presigned link (as Threads does for video), against the real S3
server; without a bucket, pre-flight says what is needed before anything is sent."""

from __future__ import annotations

import uuid

import httpx
import pytest
from PIL import Image

from nexus_desktop import secrets
from nexus_desktop.providers.platforms.base import PublishError
from nexus_desktop.providers.platforms.instagram import InstagramPublisher
from nexus_desktop.providers.platforms.oauth import AccountTokens
from nexus_desktop.providers.platforms.public_links import bucket_links
from nexus_desktop.providers.storage.s3_client import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from nexus_desktop.settings import Settings, SyncSettings
from tests.fakes.accounts_env import (  # noqa: F401 (fixtures)
    StateLog, accounts, make_package, make_video, memory_keyring, oauth_fake, platform_store, seed_account, settings_for,
)
from tests.fakes.instagram_server import FakeInstagram
from tests.fakes.sync_world import s3  # noqa: F401 (fixture)
from tests.s3_server import ADMIN, BUCKET

FEED = {"kind": "feed"}


@pytest.fixture
def instagram(oauth_fake):
    with FakeInstagram(oauth_fake) as server:
        yield server


@pytest.fixture
def account_id(accounts, oauth_fake, instagram):
    return seed_account(accounts, oauth_fake, "instagram", remote_user_id=instagram.ig_user_id, name="nexus.test")


@pytest.fixture
def links(s3, memory_keyring, tmp_path):
    secrets.set_secret(ACCESS_KEY_ID, ADMIN[0])
    secrets.set_secret(SECRET_ACCESS_KEY, ADMIN[1])
    settings = Settings()
    settings.sync = SyncSettings(enabled=True, endpoint_url=s3.endpoint, bucket=BUCKET, prefix=f"t-{uuid.uuid4().hex[:10]}/")
    return bucket_links(settings, tmp_path / "sync-state")


def publisher(accounts, account_id, instagram, links=None) -> InstagramPublisher:
    settings = settings_for(instagram_base_url=instagram.url).publish
    return InstagramPublisher(settings, AccountTokens(account_id, accounts, settings), sleep=lambda s: None, links=links)


def thumbnail(tmp_path, size: tuple[int, int], name: str = "thumb-1x1.png"):
    path = tmp_path / name
    Image.new("RGB", size, (200, 30, 30)).save(path)
    return path


def test_with_a_bucket_the_thumbnail_goes_out_as_a_jpeg_through_a_short_lived_link(
        tmp_path, accounts, account_id, instagram, links):
    video = make_video(tmp_path / "v.mp4")
    package = make_package(tmp_path, "instagram", account_id=account_id, video=video, options=FEED,
                           thumbnail=thumbnail(tmp_path, (1080, 1080)))
    ig = publisher(accounts, account_id, instagram, links)
    assert ig.preflight(package) == []

    result = ig.publish(package, StateLog().report, StateLog().save)

    posted = instagram.media[result.remote_id]
    assert posted["media_type"] == "IMAGE" and instagram.bytes_received == 0  # nothing uploaded to Instagram itself
    (container,) = [c for c in instagram.containers.values() if c.kind == "IMAGE"]
    assert "X-Amz-Expires=3600" in container.image_url and "X-Amz-Signature=" in container.image_url
    fetched = httpx.get(container.image_url, timeout=10)  # what Instagram fetches
    assert fetched.status_code == 200 and fetched.content[:3] == b"\xff\xd8\xff"  # a JPEG, though the thumbnail is a PNG
    assert httpx.get(container.image_url.split("?")[0], timeout=10).status_code == 403  # the bucket is not public


def test_without_a_bucket_preflight_says_what_a_feed_post_needs(tmp_path, accounts, account_id, instagram):
    video = make_video(tmp_path / "v.mp4")
    package = make_package(tmp_path, "instagram", account_id=account_id, video=video, options=FEED,
                           thumbnail=thumbnail(tmp_path, (1080, 1080)))
    ig = publisher(accounts, account_id, instagram)
    (problem,) = ig.preflight(package)
    assert "no bucket is set up in Settings → Sync" in problem and "post a Reel instead" in problem
    with pytest.raises(PublishError, match="Settings → Sync"):
        ig.publish(package, StateLog().report, StateLog().save)
    assert instagram.containers == {}  # nothing was sent


def test_a_tall_thumbnail_is_refused_before_anything_is_sent(tmp_path, accounts, account_id, instagram, links):
    video = make_video(tmp_path / "v.mp4")
    package = make_package(tmp_path, "instagram", account_id=account_id, video=video, options=FEED,
                           thumbnail=thumbnail(tmp_path, (1080, 1920), "thumb-9x16.png"))
    (problem,) = publisher(accounts, account_id, instagram, links).preflight(package)
    assert "1080x1920" in problem and "choose the 1:1 or 16:9 thumbnail" in problem
