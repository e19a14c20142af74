"""Instagram adapter against the local Graph API stand-in (feed images through the real S3 test server)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest
from PIL import Image

from nexus_desktop.providers.platforms.base import NeedsReconnect, PublishError, TransientPublishError
from nexus_desktop.providers.platforms.instagram import InstagramPublisher
from nexus_desktop.providers.platforms.oauth import AccountTokens
from tests.fakes.accounts_env import (  # noqa: F401 (fixtures)
    AppKilled, StateLog, accounts, make_package, make_video, memory_keyring, oauth_fake, platform_store, seed_account,
    settings_for,
)
from tests.fakes.instagram_server import FakeInstagram
from tests.fakes.sync_world import public_links_for, s3  # noqa: F401 (fixture)

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

    token = oauth_fake.issue(scope="instagram_basic,instagram_content_publish")["access_token"]
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


@pytest.mark.expect_log("refused a token request")
def test_an_expired_long_lived_token_needs_reconnecting(tmp_path, accounts, account_id, instagram, oauth_fake, video):
    oauth_fake.expire_all()
    package = make_package(tmp_path, "instagram", account_id=account_id, video=video)
    with pytest.raises(NeedsReconnect):
        publisher(accounts, account_id, instagram).publish(package, StateLog().report, StateLog().save)
    assert accounts.get(account_id).status.value == "needs_reconnect"


@pytest.mark.expect_log("answered HTTP")
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


# -- what the real Instagram rejects, and the stand-in now rejects too -----------------------


@pytest.mark.expect_log("answered HTTP")
def test_the_publishing_cap_is_temporary_and_read_before_uploading(tmp_path, accounts, account_id, instagram, video):
    """Finding 4: code 9 / 2207042 says it will be retried; and the 24-hour usage is read first."""
    import time

    instagram.published_at = [time.time() - 3600] * 49
    package = make_package(tmp_path, "instagram", account_id=account_id, video=video)
    instagram.limit = 49
    with pytest.raises(TransientPublishError, match="50|49") as caught:
        publisher(accounts, account_id, instagram).publish(package, StateLog().report, StateLog().save)
    assert caught.value.retry_after == 3600 and instagram.containers == {} and instagram.bytes_received == 0
    # The cap reached between the check and media_publish: the refusal is temporary, not a failure.
    instagram.limit = 50
    instagram.script("GET", r"/v[\d.]+/\d+/content_publishing_limit", 200,
                     {"data": [{"quota_usage": 0, "config": {"quota_total": 50, "quota_duration": 86400}}]})
    instagram.published_at.append(time.time())
    with pytest.raises(TransientPublishError, match="maximum number of posts") as caught:
        publisher(accounts, account_id, instagram).publish(package, StateLog().report, StateLog().save)
    assert caught.value.retry_after == 3600 and not instagram.media


def test_a_lost_acknowledgement_resumes_from_the_servers_offset(tmp_path, accounts, account_id, instagram, video):
    """Finding 8a: the host kept a chunk whose answer never came back; the next attempt asks it."""
    instagram.drop_next_ack = True
    package = make_package(tmp_path, "instagram", account_id=account_id, video=video)
    log = StateLog()
    with pytest.raises(TransientPublishError):
        publisher(accounts, account_id, instagram).publish(package, log.report, log.save)
    assert log.state["uploaded"] == 0  # the app never heard the first chunk arrive
    retry = make_package(tmp_path, "instagram", account_id=account_id, video=video, upload_state=log.state)
    result = publisher(accounts, account_id, instagram).publish(retry, StateLog().report, StateLog().save)
    assert result.remote_id in instagram.media and len(instagram.containers) == 1
    assert instagram.bytes_received == video.stat().st_size  # nothing sent twice


def test_a_container_older_than_24_hours_is_made_again(tmp_path, accounts, account_id, instagram, video):
    """Finding 8b: containers expire after 24 hours; a later retry uploads into a new one."""
    package = make_package(tmp_path, "instagram", account_id=account_id, video=video)
    crashed = StateLog(crash_at_percent=40)
    with pytest.raises(AppKilled):
        publisher(accounts, account_id, instagram).publish(package, crashed.report, crashed.save)
    instagram.age_containers(hours=25)
    messages = []
    retry = make_package(tmp_path, "instagram", account_id=account_id, video=video, upload_state=crashed.state)
    result = publisher(accounts, account_id, instagram).publish(retry, lambda p, m: messages.append(m), StateLog().save)
    assert len(instagram.containers) == 2 and result.remote_id in instagram.media
    assert any("expired" in m for m in messages)


@pytest.mark.expect_log("no longer accepts API version")
def test_graph_version_is_the_newest_live_one_and_a_retired_pin_steps_once(tmp_path, accounts, account_id, instagram, video):
    """Finding 12a: v21.0, the old default, retires on 2027-01-21; the stand-in refuses retired versions."""
    instagram.today = __import__("datetime").date(2027, 2, 1)
    package = make_package(tmp_path, "instagram", account_id=account_id, video=video)
    ig = publisher(accounts, account_id, instagram)
    ig.settings.instagram_api_version = ""
    assert ig.version.name == "v26.0"
    pinned = InstagramPublisher(settings_for(instagram_base_url=instagram.url, instagram_api_version="v21.0").publish,
                                ig.tokens, poll_seconds=0)
    assert pinned.version.name == "v21.0"  # live today (2026-12-06), retired on the stand-in's date
    messages = []
    result = pinned.publish(package, lambda p, m: messages.append(m), StateLog().save)
    assert result.remote_id in instagram.media and "v21.0" in messages[-1] and "v26.0" in messages[-1]
    assert {r.path.split("/")[1] for r in instagram.requests if r.path.startswith("/v")} == {"v21.0", "v26.0"}


def test_a_video_instagram_fails_to_process_is_a_clear_refusal(tmp_path, accounts, account_id, instagram, video):
    instagram.fail_processing = "The video's audio codec is not supported (2207026)"
    package = make_package(tmp_path, "instagram", account_id=account_id, video=video)
    with pytest.raises(PublishError, match="audio codec is not supported"):
        publisher(accounts, account_id, instagram).publish(package, StateLog().report, StateLog().save)
    assert not instagram.media


# -- what the seed asks of Instagram -------------------------------------------------------


def test_a_story_carries_the_video_without_a_caption(tmp_path, accounts, account_id, instagram, video):
    package = make_package(tmp_path, "instagram", account_id=account_id, video=video, options={"kind": "story"})
    result = publisher(accounts, account_id, instagram).publish(package, StateLog().report, StateLog().save)
    assert instagram.media[result.remote_id]["media_type"] == "STORIES"
    assert instagram.bytes_received == video.stat().st_size
    too_long = make_package(tmp_path, "instagram", account_id=account_id, video=video, duration=75.0,
                            options={"kind": "story"})
    assert any("Instagram Stories allow 60 s" in p for p in publisher(accounts, account_id, instagram).preflight(too_long))


def test_a_feed_post_is_one_image_or_a_carousel_from_public_addresses(tmp_path, accounts, account_id, instagram, video):
    urls = [f"https://bucket.example.org/nexus/thumb-{i}.jpg?sig=x" for i in range(3)]
    carousel = make_package(tmp_path, "instagram", account_id=account_id, video=video,
                            options={"kind": "feed", "image_urls": urls})
    result = publisher(accounts, account_id, instagram).publish(carousel, StateLog().report, StateLog().save)
    posted = instagram.media[result.remote_id]
    assert posted["media_type"] == "CAROUSEL" and len(posted["children"]) == 3 and instagram.bytes_received == 0
    single = make_package(tmp_path, "instagram", account_id=account_id, video=video, post_id=2, text="One image",
                          options={"kind": "feed", "image_urls": urls[:1]})
    result = publisher(accounts, account_id, instagram).publish(single, StateLog().report, StateLog().save)
    assert instagram.media[result.remote_id]["media_type"] == "IMAGE"
    without = make_package(tmp_path, "instagram", account_id=account_id, video=video, options={"kind": "feed"})
    with pytest.raises(PublishError, match="public addresses"):
        publisher(accounts, account_id, instagram).publish(without, StateLog().report, StateLog().save)


def test_caption_limits_are_checked_before_uploading(tmp_path, accounts, account_id, instagram, video):
    """2,200 characters, 30 hashtags, 20 mentions: each stops the post before any byte is sent."""
    mentions = " ".join(f"@friend{i}" for i in range(21))
    hashtags = " ".join(f"#tag{i}" for i in range(31))
    ig = publisher(accounts, account_id, instagram)
    for text, expected in ((mentions, "mentions 21 accounts; Instagram allows 20"),
                           (hashtags, "hashtags; Instagram allows 30"),
                           ("x" * 2201, "2201 characters; Instagram allows 2200")):
        package = make_package(tmp_path, "instagram", account_id=account_id, video=video, text=text)
        with pytest.raises(PublishError, match=expected):
            ig.publish(package, StateLog().report, StateLog().save)
    assert instagram.containers == {} and instagram.bytes_received == 0


@pytest.mark.expect_log("answered HTTP 403")
def test_a_sign_in_without_content_publish_is_refused_with_what_to_do(tmp_path, accounts, oauth_fake, instagram, video):
    account_id = seed_account(accounts, oauth_fake, "instagram", remote_user_id=instagram.ig_user_id, name="nexus.test",
                              scopes=("instagram_basic", "pages_show_list"))
    package = make_package(tmp_path, "instagram", account_id=account_id, video=video)
    with pytest.raises(PublishError, match="does not have permission") as caught:
        publisher(accounts, account_id, instagram).publish(package, StateLog().report, StateLog().save)
    assert "instagram_content_publish" in str(caught.value)


# -- feed posts from the Sync bucket (issue 15, left over) ---------------------------------------
# A feed post shows the post's thumbnail, which Instagram fetches itself from a public address.
# With a Sync bucket the thumbnail goes there as a JPEG and Instagram gets an hour-long presigned
# link (as Threads does for video), against the real S3 server; without a bucket, pre-flight says
# what is needed before anything is sent.

FEED = {"kind": "feed"}


@pytest.fixture
def links(s3, memory_keyring, tmp_path):
    return public_links_for(s3, tmp_path / "sync-state")


def feed_publisher(accounts, account_id, instagram, links=None) -> InstagramPublisher:
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
    ig = feed_publisher(accounts, account_id, instagram, links)
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
    ig = feed_publisher(accounts, account_id, instagram)
    (problem,) = ig.preflight(package)
    assert "no bucket is set up in Settings → Sync" in problem and "post a Reel instead" in problem
    with pytest.raises(PublishError, match="Settings → Sync"):
        ig.publish(package, StateLog().report, StateLog().save)
    assert instagram.containers == {}  # nothing was sent


def test_a_tall_thumbnail_is_refused_before_anything_is_sent(tmp_path, accounts, account_id, instagram, links):
    video = make_video(tmp_path / "v.mp4")
    package = make_package(tmp_path, "instagram", account_id=account_id, video=video, options=FEED,
                           thumbnail=thumbnail(tmp_path, (1080, 1920), "thumb-9x16.png"))
    (problem,) = feed_publisher(accounts, account_id, instagram, links).preflight(package)
    assert "1080x1920" in problem and "choose the 1:1 or 16:9 thumbnail" in problem
