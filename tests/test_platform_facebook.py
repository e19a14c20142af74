"""Facebook Pages adapter (Reels) against the local Graph API stand-in."""

from __future__ import annotations

import pytest

from nexus_desktop.providers.platforms import facebook
from nexus_desktop.providers.platforms.base import NeedsReconnect, PublishError
from nexus_desktop.providers.platforms.facebook import FacebookPublisher
from nexus_desktop.providers.platforms.oauth import AccountTokens
from tests.fakes.accounts_env import (  # noqa: F401 (fixtures)
    AppKilled, StateLog, accounts, make_package, make_video, memory_keyring, oauth_fake, platform_store, seed_account,
    settings_for,
)
from tests.fakes.facebook_server import FakeFacebook


@pytest.fixture
def fb(oauth_fake):
    with FakeFacebook(oauth_fake) as server:
        yield server


@pytest.fixture
def account_id(accounts, oauth_fake, fb):
    return seed_account(accounts, oauth_fake, "facebook", remote_user_id=fb.user_id, name="Tech Digest",
                        details={"page_id": fb.pages[0]["id"]})


def publisher(accounts, account_id, fb, page_id=None) -> FacebookPublisher:
    publish = settings_for(facebook_base_url=fb.url).publish
    return FacebookPublisher(publish, AccountTokens(account_id, accounts, publish), page_id=page_id, sleep=lambda s: None)


@pytest.fixture
def video(tmp_path):
    return make_video(tmp_path / "v.mp4", size="540x960", pad_to=9 * 1024 * 1024)


def test_identify_lists_the_pages_and_picks_one_the_person_can_post_to(fb, oauth_fake):
    token = oauth_fake.issue("user-1", "nexus-test-client")["access_token"]
    who = facebook.identify(settings_for(facebook_base_url=fb.url).publish, token)
    assert who.name == "Tech Digest (Mara Lindqvist)" and who.details["page_id"] == fb.pages[0]["id"]
    assert all("access_token" not in page for page in who.details["pages"])  # Page tokens stay out of the database


def test_a_reel_is_published_on_the_page_with_its_text(tmp_path, accounts, account_id, fb, video):
    package = make_package(tmp_path, "facebook", account_id=account_id, video=video, text="Solid-state cells #energy")
    log = StateLog()
    result = publisher(accounts, account_id, fb).publish(package, log.report, log.save)
    (video_id,) = fb.videos
    assert result.remote_id == video_id and result.url == f"https://www.facebook.com/reel/{video_id}"
    assert fb.videos[video_id]["published"] and fb.videos[video_id]["description"] == package.text
    assert fb.starts == 1 and fb.bytes_received == video.stat().st_size


def test_a_page_the_token_cannot_post_to_is_refused_before_upload(tmp_path, accounts, account_id, fb, video):
    package = make_package(tmp_path, "facebook", account_id=account_id, video=video)
    with pytest.raises(PublishError, match="cannot post to the Page 'Friends' Bakery': you do not have the 'Create content' task"):
        publisher(accounts, account_id, fb, page_id=fb.pages[1]["id"]).publish(package, StateLog().report, StateLog().save)
    assert fb.starts == 0 and fb.bytes_received == 0


def test_a_crash_mid_upload_resumes_from_the_servers_offset_and_publishes_once(tmp_path, accounts, account_id, fb, video):
    package = make_package(tmp_path, "facebook", account_id=account_id, video=video)
    crashed = StateLog(crash_at_percent=20)
    with pytest.raises(AppKilled):
        publisher(accounts, account_id, fb).publish(package, crashed.report, crashed.save)
    again = make_package(tmp_path, "facebook", account_id=account_id, video=video, upload_state=crashed.state)
    assert publisher(accounts, account_id, fb).find_existing(again) is None
    result = publisher(accounts, account_id, fb).publish(again, StateLog().report, StateLog().save)
    assert fb.starts == 1 and fb.bytes_received == video.stat().st_size and list(fb.videos) == [result.remote_id]


def test_a_crash_after_finishing_finds_the_published_reel(tmp_path, accounts, account_id, fb, video):
    package = make_package(tmp_path, "facebook", account_id=account_id, video=video)
    log = StateLog()
    first = publisher(accounts, account_id, fb).publish(package, log.report, log.save)
    lost = {k: v for k, v in log.state.items() if k not in ("done", "finished")}
    crashed = make_package(tmp_path, "facebook", account_id=account_id, video=video, upload_state=lost)
    assert publisher(accounts, account_id, fb).find_existing(crashed) == first
    assert publisher(accounts, account_id, fb).publish(crashed, StateLog().report, StateLog().save) == first
    assert fb.reels_today == 1


def test_reels_limits_are_checked_before_upload(tmp_path, accounts, account_id, fb, video):
    long = make_package(tmp_path, "facebook", account_id=account_id, video=video, duration=95)
    assert publisher(accounts, account_id, fb).preflight(long)[0].startswith("9:16 video is 95 s; Facebook Reels allow 90 s")
    small = make_package(tmp_path, "facebook", account_id=account_id, video=make_video(tmp_path / "s.mp4", size="108x192"))
    assert publisher(accounts, account_id, fb).preflight(small) == [
        "the video is 108x192; Facebook Reels need at least 540x960 — render the 9:16 format at a larger size"]


@pytest.mark.expect_log("refused a token request")
def test_a_sign_in_revoked_mid_upload_asks_to_reconnect(tmp_path, accounts, account_id, fb, oauth_fake, video):
    package = make_package(tmp_path, "facebook", account_id=account_id, video=video)

    def revoke(percent: int, message: str) -> None:
        if percent >= 20:
            fb.revoke_page_tokens()
            oauth_fake.access.clear()  # the person removed the app: user and Page tokens die
            oauth_fake.revoke_refresh_tokens()

    with pytest.raises(NeedsReconnect):
        publisher(accounts, account_id, fb).publish(package, revoke, StateLog().save)
    assert fb.reels_today == 0 and accounts.get(account_id).status == "needs_reconnect"
