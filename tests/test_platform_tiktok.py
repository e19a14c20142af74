"""TikTok adapter (Content Posting API) against the local stand-in."""

from __future__ import annotations

import pytest

from nexus_desktop.providers.platforms import tiktok
from nexus_desktop.providers.platforms.base import NeedsReconnect, PublishError
from nexus_desktop.providers.platforms.networks import NetworkTokens, token_set
from nexus_desktop.providers.platforms.oauth import save_tokens
from nexus_desktop.providers.platforms.tiktok import TikTokPublisher, chunk_plan
from tests.fakes.accounts_env import (  # noqa: F401 (fixtures)
    AppKilled, StateLog, accounts, make_package, make_video, memory_keyring, platform_store,
)
from tests.fakes.oauth_server import play_browser
from tests.fakes.tiktok_server import MB, FakeTikTok


@pytest.fixture
def fake():
    with FakeTikTok() as server:
        yield server


def seed(accounts, server: FakeTikTok) -> int:
    view = accounts.upsert("tiktok", "@nexus.creator", remote_user_id=server.open_id, token_expires_at=None,
                           details={"client_key": server.client_key, "username": server.username, "refreshable": True})
    save_tokens(view.id, token_set(server.issue()), server.client_secret)
    return view.id


def publisher(accounts, account_id, server, **options) -> TikTokPublisher:
    tokens = NetworkTokens(account_id, accounts, refresher=tiktok.refresher(server.url, server.client_key))
    return TikTokPublisher(tokens, base_url=server.url, mode=options.pop("mode", "direct"), options=options,
                           sleep=lambda s: None, chunk_size=5 * MB)


@pytest.fixture
def video(tmp_path):
    return make_video(tmp_path / "v.mp4", size="360x640", pad_to=12 * MB + 12345)


def test_connect_with_login_kit_for_desktop(accounts, fake):
    view = tiktok.connect(fake.client_key, fake.client_secret, accounts=accounts, base_url=fake.url,
                          authorize_url=f"{fake.url}/v2/auth/authorize/", open_url=play_browser, timeout=10)
    assert (view.name, view.remote_user_id) == ("@nexus.creator", fake.open_id)
    assert view.token_expires_at is not None and view.details["client_key"] == fake.client_key


def test_an_unaudited_app_posts_privately_in_tiktoks_chunks(tmp_path, accounts, fake, video):
    account_id = seed(accounts, fake)
    package = make_package(tmp_path, "tiktok", account_id=account_id, video=video, text="Solid-state cells #energy")
    messages: list[str] = []
    log = StateLog()
    result = publisher(accounts, account_id, fake).publish(package, lambda p, m: messages.append(m), log.save)
    (post,) = fake.posts.values()
    assert post["post_info"]["privacy_level"] == "SELF_ONLY" and post["post_info"]["title"] == package.text
    assert post["post_info"]["disable_stitch"] is True  # the creator has stitches off
    assert post["source"] == {"source": "FILE_UPLOAD", "video_size": video.stat().st_size, "chunk_size": 5 * MB,
                              "total_chunk_count": 2}
    assert fake.bytes_received == video.stat().st_size and fake.uploads == 1
    assert result.remote_id == log.state["publish_id"] and result.url == "https://www.tiktok.com/@nexus.creator"
    assert messages[-1] == "Published on TikTok (private: Only me, until your TikTok app is audited)"


def test_an_audited_app_posts_publicly_and_reads_back_the_post_id(tmp_path, accounts, video):
    with FakeTikTok(audited=True) as fake:
        account_id = seed(accounts, fake)
        package = make_package(tmp_path, "tiktok", account_id=account_id, video=video)
        result = publisher(accounts, account_id, fake, audited=True).publish(package, StateLog().report, StateLog().save)
        (post,) = fake.posts.values()
        assert result.remote_id == post["post_id"]
        assert result.url == f"https://www.tiktok.com/@nexus.creator/video/{post['post_id']}"


def test_public_posts_from_an_unaudited_app_are_refused_before_upload(tmp_path, accounts, fake, video):
    account_id = seed(accounts, fake)
    package = make_package(tmp_path, "tiktok", account_id=account_id, video=video)
    with pytest.raises(PublishError, match="until your TikTok app passes TikTok's audit, TikTok only accepts private posts"):
        publisher(accounts, account_id, fake, privacy_level="PUBLIC_TO_EVERYONE").publish(package, StateLog().report, StateLog().save)
    assert fake.uploads == 0


@pytest.mark.expect_log("answered HTTP 403")
def test_the_stand_in_refuses_a_public_post_from_an_unaudited_app(tmp_path, accounts, fake, video):
    """Told it is audited when it is not, the app gets TikTok's own refusal as a sentence."""
    account_id = seed(accounts, fake)
    package = make_package(tmp_path, "tiktok", account_id=account_id, video=video)
    with pytest.raises(PublishError, match="Unaudited clients can only post to a private account") as caught:
        publisher(accounts, account_id, fake, audited=True).publish(package, StateLog().report, StateLog().save)
    assert "audit" in caught.value.hint


def test_only_the_creators_privacy_levels_and_length_are_offered(tmp_path, accounts, video):
    with FakeTikTok(audited=True, max_seconds=60, privacy_levels=("FOLLOWER_OF_CREATOR", "SELF_ONLY")) as fake:
        account_id = seed(accounts, fake)
        package = make_package(tmp_path, "tiktok", account_id=account_id, video=video, duration=75)
        problems = publisher(accounts, account_id, fake, audited=True).preflight(package)
        assert problems == [
            "the video is 75 s; this TikTok account may post up to 60 s — shorten the narration and render again",
            "TikTok does not offer 'PUBLIC_TO_EVERYONE' to this account (it offers FOLLOWER_OF_CREATOR, SELF_ONLY) — choose one of those",
        ]


def test_a_video_too_small_for_tiktok_is_refused(tmp_path, accounts, fake):
    account_id = seed(accounts, fake)
    small = make_video(tmp_path / "s.mp4", size="108x192")
    package = make_package(tmp_path, "tiktok", account_id=account_id, video=small)
    (problem,) = publisher(accounts, account_id, fake).preflight(package)
    assert problem.startswith("the video is 108x192; TikTok needs at least 360 px")


def test_a_crash_between_chunks_continues_the_same_post(tmp_path, accounts, fake, video):
    account_id = seed(accounts, fake)
    package = make_package(tmp_path, "tiktok", account_id=account_id, video=video)
    crashed = StateLog(crash_at_percent=40)
    with pytest.raises(AppKilled):
        publisher(accounts, account_id, fake).publish(package, crashed.report, crashed.save)
    assert crashed.state["sent"] == 1
    again = make_package(tmp_path, "tiktok", account_id=account_id, video=video, upload_state=crashed.state)
    assert publisher(accounts, account_id, fake).find_existing(again) is None  # not published: continue it
    publisher(accounts, account_id, fake).publish(again, StateLog().report, StateLog().save)
    assert fake.uploads == 1 and fake.bytes_received == video.stat().st_size


def test_upload_to_inbox_sends_the_video_to_the_creators_inbox(tmp_path, accounts, fake, video):
    account_id = seed(accounts, fake)
    package = make_package(tmp_path, "tiktok", account_id=account_id, video=video)
    messages: list[str] = []
    publisher(accounts, account_id, fake, mode="inbox").publish(package, lambda p, m: messages.append(m), StateLog().save)
    (post,) = fake.posts.values()
    assert post["mode"] == "inbox" and post["status"] == "SEND_TO_USER_INBOX"
    assert messages[-1] == "Sent to your TikTok inbox"


def test_an_expired_token_mid_upload_is_refreshed_and_a_revoked_one_asks_to_reconnect(tmp_path, accounts, fake, video):
    account_id = seed(accounts, fake)
    package = make_package(tmp_path, "tiktok", account_id=account_id, video=video)

    def expire(percent: int, message: str) -> None:
        if percent >= 40:
            fake.tokens.clear()  # the access token expires; the refresh token still works

    publisher(accounts, account_id, fake).publish(package, expire, StateLog().save)
    assert len(fake.posts) == 1 and accounts.get(account_id).status == "connected"

    def revoke(percent: int, message: str) -> None:
        if percent >= 40:
            fake.revoke_all()

    second = make_package(tmp_path, "tiktok", account_id=account_id, video=video, post_id=2)
    with pytest.raises(NeedsReconnect, match="TikTok"):
        publisher(accounts, account_id, fake).publish(second, revoke, StateLog().save)
    assert accounts.get(account_id).status == "needs_reconnect"


def test_chunk_plan_follows_tiktoks_rules():
    assert chunk_plan(3 * MB) == (3 * MB, 1)  # under 5 MB: whole
    assert chunk_plan(12 * MB, 5 * MB) == (5 * MB, 2)  # the last chunk takes the 2 MB remainder
    assert chunk_plan(200 * MB) == (10 * MB, 20)
    chunk, count = chunk_plan(20_000 * MB)
    assert count <= 1000 and chunk <= 64 * MB
