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
    assert stored["snippet"]["tags"] == ["nxp1j1", "energy", "batteries"]  # the reconcile marker first
    assert youtube.thumbnails[result.remote_id] == thumb.stat().st_size
    assert len(youtube.captions) == 1
    assert log.state["video_id"] == result.remote_id
    assert log.progress[-1] == 100
    units, inserts = publisher(accounts, account_id, youtube).quota_used()
    assert (units, inserts) == (450, 1)


def test_interrupted_at_40_percent_resumes_after_restart_without_resending(tmp_path, accounts, account_id, youtube, video):
    package = make_package(tmp_path, "youtube", account_id=account_id, video=video, video_format="16x9")
    crashed = StateLog(crash_at_percent=36)  # 4 of 10 chunks (40% of the bytes) acknowledged: the app dies
    with pytest.raises(AppKilled):
        publisher(accounts, account_id, youtube).publish(package, crashed.report, crashed.save)
    sent_before = youtube.bytes_received
    assert crashed.state["acknowledged"] == 4 * CHUNK and not youtube.videos

    restarted = make_package(tmp_path, "youtube", account_id=account_id, video=video, video_format="16x9",
                             upload_state=crashed.state)
    log = StateLog()
    result = publisher(accounts, account_id, youtube).publish(restarted, log.report, log.save)

    size = video.stat().st_size
    assert youtube.bytes_received == size  # the first 40% went over the wire exactly once
    assert sent_before == 4 * CHUNK
    assert youtube.videos[result.remote_id]["size"] == size
    assert youtube.count("POST", r"/upload/youtube/v3/videos") == 1  # one session, one quota insert


def test_token_expiring_mid_upload_is_refreshed_and_the_chunk_retried(tmp_path, accounts, account_id, youtube, oauth_fake, video):
    package = make_package(tmp_path, "youtube", account_id=account_id, video=video, video_format="16x9")
    log = StateLog()

    def expire_at_half(percent, message):
        log.report(percent, message)
        if 45 <= percent < 55:
            oauth_fake.expire_all()

    result = publisher(accounts, account_id, youtube).publish(package, expire_at_half, log.save)
    assert youtube.videos[result.remote_id]["size"] == video.stat().st_size
    assert oauth_fake.grants_used.count("refresh_token") == 1
    assert accounts.get(account_id).status is AccountStatus.CONNECTED


@pytest.mark.expect_log("refused a token request")
def test_revoked_refresh_token_marks_the_account_needs_reconnecting(tmp_path, accounts, account_id, youtube, oauth_fake, video):
    oauth_fake.expire_all()
    oauth_fake.revoke_refresh_tokens()
    package = make_package(tmp_path, "youtube", account_id=account_id, video=video, video_format="16x9")
    with pytest.raises(NeedsReconnect):
        publisher(accounts, account_id, youtube).publish(package, StateLog().report, StateLog().save)
    account = accounts.get(account_id)
    assert account.status is AccountStatus.NEEDS_RECONNECT
    assert account.health().startswith("Needs reconnecting")


@pytest.mark.expect_log("answered HTTP 429")
def test_429_with_retry_after_is_transient_and_the_retry_continues(tmp_path, accounts, account_id, youtube, video):
    youtube.script("PUT", r"/upload/youtube/v3/videos", 429, {"error": {"code": 429, "message": "Too many requests",
                   "errors": [{"reason": "rateLimitExceeded"}]}}, headers={"Retry-After": "1"})
    package = make_package(tmp_path, "youtube", account_id=account_id, video=video, video_format="16x9")
    log = StateLog()
    with pytest.raises(TransientPublishError) as caught:
        publisher(accounts, account_id, youtube).publish(package, log.report, log.save)
    assert caught.value.retry_after == 1
    retry = make_package(tmp_path, "youtube", account_id=account_id, video=video, video_format="16x9", upload_state=log.state)
    result = publisher(accounts, account_id, youtube).publish(retry, StateLog().report, StateLog().save)
    assert youtube.videos[result.remote_id]["size"] == video.stat().st_size


@pytest.mark.expect_log("answered HTTP 400")
def test_permanent_400_is_shown_with_its_message(tmp_path, accounts, account_id, youtube, video):
    youtube.script("POST", r"/upload/youtube/v3/videos", 400, {"error": {"code": 400, "message": "The request metadata specifies an invalid video title.",
                   "errors": [{"reason": "invalidTitle"}]}})
    package = make_package(tmp_path, "youtube", account_id=account_id, video=video, video_format="16x9")
    with pytest.raises(PublishError) as caught:
        publisher(accounts, account_id, youtube).publish(package, StateLog().report, StateLog().save)
    text = str(caught.value)
    assert "invalid video title" in text and "100 characters" in text


def test_reconciliation_after_a_crash_finds_the_finished_upload(tmp_path, accounts, account_id, youtube, video):
    package = make_package(tmp_path, "youtube", account_id=account_id, video=video, video_format="16x9")
    log = StateLog()
    result = publisher(accounts, account_id, youtube).publish(package, log.report, log.save)
    # The crash came after the last chunk but before the video id was stored.
    state = {k: v for k, v in log.state.items() if k not in ("video_id", "thumbnail_done", "captions_done")}
    crashed = make_package(tmp_path, "youtube", account_id=account_id, video=video, video_format="16x9", upload_state=state)
    found = publisher(accounts, account_id, youtube).find_existing(crashed)
    assert found == result
    # And with nothing saved at all, the uploads playlist is searched by title.
    assert publisher(accounts, account_id, youtube).find_existing(
        make_package(tmp_path, "youtube", account_id=account_id, video=video, video_format="16x9")) == result
    assert len(youtube.videos) == 1


def test_quota_stops_before_exceeding(tmp_path, accounts, account_id, youtube, video):
    yt = publisher(accounts, account_id, youtube)
    accounts.record_project_usage("youtube", yt.project, {**yt._quota(), "units": 9_999})
    package = make_package(tmp_path, "youtube", account_id=account_id, video=video, video_format="16x9")
    with pytest.raises(TransientPublishError, match="quota"):
        yt.publish(package, StateLog().report, StateLog().save)
    assert youtube.count("POST", r"/upload/youtube/v3/videos") == 0


def test_quota_is_counted_per_google_project_not_per_channel(tmp_path, accounts, account_id, oauth_fake, youtube, video):
    """Google counts the 10,000 daily units per Cloud project: a second channel connected through the
    same OAuth client spends from the same budget."""
    second = seed_account(accounts, oauth_fake, "youtube", remote_user_id="UCsecond", name="Second channel")
    first_yt = publisher(accounts, account_id, youtube)
    first_yt.publish(make_package(tmp_path, "youtube", account_id=account_id, video=video, video_format="16x9"),
                     StateLog().report, StateLog().save)
    assert publisher(accounts, second, youtube).quota_used() == first_yt.quota_used() == (0, 1)

    accounts.record_project_usage("youtube", first_yt.project, {**first_yt._quota(), "units": 9_999})
    package = make_package(tmp_path, "youtube", account_id=second, video=video, video_format="16x9", post_id=2)
    with pytest.raises(TransientPublishError, match="9999 of 10000 units"):
        publisher(accounts, second, youtube).publish(package, StateLog().report, StateLog().save)


# -- what the real YouTube rejects, and the stand-in now rejects too -------------------------


def test_the_description_limit_is_5000_bytes_not_characters(tmp_path, accounts, account_id, youtube, video):
    """Finding 10: 2,600 'ü' are 2,600 characters but 5,200 bytes; YouTube refuses them."""
    import httpx

    long = "ü" * 2600
    package = make_package(tmp_path, "youtube", account_id=account_id, video=video, video_format="16x9")
    package = __import__("dataclasses").replace(package, description=long)
    yt = publisher(accounts, account_id, youtube)
    assert any("5200 bytes" in p and "5000" in p for p in yt.preflight(package))
    with pytest.raises(PublishError, match="5200 bytes"):
        yt.publish(package, StateLog().report, StateLog().save)
    assert youtube.count("POST", r"/upload/youtube/v3/videos") == 0  # stopped before any quota was spent
    token = next(iter(youtube.oauth.access))
    refused = httpx.post(f"{youtube.url}/upload/youtube/v3/videos", params={"uploadType": "resumable"},
                         json={"snippet": {"title": "t", "description": long}, "status": {"selfDeclaredMadeForKids": False}},
                         headers={"Authorization": f"Bearer {token}", "X-Upload-Content-Length": "10",
                                  "X-Upload-Content-Type": "video/mp4"})
    assert refused.status_code == 400 and "invalidDescription" in refused.text


def test_reconciliation_goes_by_the_posts_marker_not_a_repeated_title(tmp_path, accounts, account_id, youtube, video):
    """Finding 12d: another video with the same title is not "already published"."""
    earlier = make_package(tmp_path, "youtube", account_id=account_id, video=video, video_format="16x9", post_id=7)
    publisher(accounts, account_id, youtube).publish(earlier, StateLog().report, StateLog().save)
    same_title = make_package(tmp_path, "youtube", account_id=account_id, video=video, video_format="16x9", post_id=8)
    assert same_title.title == earlier.title
    assert publisher(accounts, account_id, youtube).find_existing(same_title) is None
    result = publisher(accounts, account_id, youtube).publish(same_title, StateLog().report, StateLog().save)
    assert publisher(accounts, account_id, youtube).find_existing(same_title) == result


def test_an_expired_upload_session_starts_a_new_one(tmp_path, accounts, account_id, youtube, video):
    package = make_package(tmp_path, "youtube", account_id=account_id, video=video, video_format="16x9")
    crashed = StateLog(crash_at_percent=36)
    with pytest.raises(AppKilled):
        publisher(accounts, account_id, youtube).publish(package, crashed.report, crashed.save)
    youtube.expire_sessions()
    retry = make_package(tmp_path, "youtube", account_id=account_id, video=video, video_format="16x9",
                         upload_state=crashed.state)
    assert publisher(accounts, account_id, youtube).find_existing(retry) is None  # the session is gone: nothing was made
    result = publisher(accounts, account_id, youtube).publish(retry, StateLog().report, StateLog().save)
    assert youtube.videos[result.remote_id]["size"] == video.stat().st_size
    assert youtube.count("POST", r"/upload/youtube/v3/videos") == 2


def test_the_connect_guide_puts_the_consent_screen_in_production():
    """Finding 2: a consent screen left in Testing gives refresh tokens that die after 7 days."""
    from nexus_desktop.providers.platforms.oauth import provider

    guide = provider("youtube", settings_for().publish).guide
    assert "In production" in guide and "7 days" in guide and "Desktop app" in guide
    assert "test user" not in guide.lower()


# -- what the seed asks of YouTube ---------------------------------------------------------


def test_a_thumbnail_over_2_mb_is_sent_re_encoded_and_the_video_joins_its_playlist(tmp_path, accounts, account_id, youtube, video):
    import os

    from PIL import Image

    big = tmp_path / "thumb.png"
    Image.frombytes("RGB", (1600, 900), os.urandom(1600 * 900 * 3)).save(big)  # noise: a PNG of ~4 MB
    assert big.stat().st_size > 2 * 1024 * 1024
    package = make_package(tmp_path, "youtube", account_id=account_id, video=video, video_format="16x9",
                           thumbnail=big, options={"playlist_id": "PLnexus-test"})
    messages = []
    result = publisher(accounts, account_id, youtube).publish(package, lambda p, m: messages.append(m), StateLog().save)
    assert 0 < youtube.thumbnails[result.remote_id] <= 2 * 1024 * 1024
    assert youtube.playlists["PLnexus-test"] == [result.remote_id]
    assert messages[-1] == "Published on YouTube"  # 16:9 is never a Short


def test_an_early_upload_is_private_with_a_publish_time_and_vertical_short_videos_are_shorts(
        tmp_path, accounts, account_id, youtube):
    from datetime import datetime, timedelta, timezone

    vertical = make_video(tmp_path / "short.mp4", size="108x192", pad_to=3 * CHUNK)
    when = (datetime.now(timezone.utc) + timedelta(days=1)).replace(microsecond=0)
    package = __import__("dataclasses").replace(
        make_package(tmp_path, "youtube", account_id=account_id, video=vertical, video_format="9x16"), scheduled_at=when)
    messages = []
    result = publisher(accounts, account_id, youtube).publish(package, lambda p, m: messages.append(m), StateLog().save)
    status = youtube.videos[result.remote_id]["status"]
    assert status["privacyStatus"] == "private" and status["publishAt"] == when.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert messages[-1] == f"Uploaded to YouTube; it goes public at {when.strftime('%Y-%m-%dT%H:%M:%SZ')} (as a Short)"


@pytest.mark.expect_log("answered HTTP 403", "insufficientPermissions")
def test_a_sign_in_without_the_upload_scope_is_refused_with_what_to_do(tmp_path, accounts, oauth_fake, youtube, video):
    account_id = seed_account(accounts, oauth_fake, "youtube", remote_user_id="UCfake-channel", name="Nexus Test Channel",
                              scopes=("openid",))
    package = make_package(tmp_path, "youtube", account_id=account_id, video=video, video_format="16x9")
    with pytest.raises(PublishError, match="insufficient authentication scopes") as caught:
        publisher(accounts, account_id, youtube).publish(package, StateLog().report, StateLog().save)
    assert "tick every permission" in str(caught.value) and youtube.videos == {}
