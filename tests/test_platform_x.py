"""X adapter against the local X API v2 stand-in."""

from __future__ import annotations

import pytest

from nexus_desktop.providers.platforms.base import PublishError, TransientPublishError
from nexus_desktop.providers.platforms.oauth import AccountTokens
from nexus_desktop.providers.platforms.x import XPublisher, split_thread
from tests.fakes.accounts_env import (  # noqa: F401 (fixtures)
    AppKilled, StateLog, accounts, make_package, make_video, memory_keyring, oauth_fake, platform_store, seed_account,
    settings_for,
)
from tests.fakes.x_server import FakeX

CHUNK = 64 * 1024
LONG = " ".join(["Solid-state cells swap the liquid electrolyte for a ceramic layer."] * 7)


@pytest.fixture
def xfake(oauth_fake):
    with FakeX(oauth_fake) as server:
        yield server


@pytest.fixture
def account_id(accounts, oauth_fake, xfake):
    return seed_account(accounts, oauth_fake, "x", remote_user_id=xfake.user_id, name="@nexus_test",
                        details={"username": "nexus_test"})


def publisher(accounts, account_id, xfake) -> XPublisher:
    settings = settings_for(x_base_url=xfake.url).publish
    return XPublisher(settings, AccountTokens(account_id, accounts, settings), chunk_size=CHUNK, sleep=lambda s: None)


@pytest.fixture
def video(tmp_path):
    return make_video(tmp_path / "v.mp4", pad_to=6 * CHUNK + 99)


def test_split_thread_keeps_words_and_numbers_parts():
    parts = split_thread(LONG)
    assert len(parts) == 2 and all(len(p) <= 280 for p in parts)
    assert parts[0].endswith(" 1/2") and parts[1].endswith(" 2/2")
    assert split_thread("short") == ["short"]


def test_long_text_becomes_a_thread_with_media_and_alt_text(tmp_path, accounts, account_id, xfake, video):
    package = make_package(tmp_path, "x", account_id=account_id, video=video, text=LONG)
    log = StateLog()
    result = publisher(accounts, account_id, xfake).publish(package, log.report, log.save)
    first, second = (xfake.tweets[i] for i in log.state["tweet_ids"])
    assert result.url == f"https://x.com/nexus_test/status/{first['id']}"
    assert first["media"] == [log.state["media_id"]] and second["reply_to"] == first["id"]
    assert xfake.uploads[log.state["media_id"]].alt_text == package.title
    assert xfake.bytes_received == video.stat().st_size


def test_append_resumes_at_the_next_segment_after_a_restart(tmp_path, accounts, account_id, xfake, video):
    package = make_package(tmp_path, "x", account_id=account_id, video=video)
    crashed = StateLog(crash_at_percent=40)
    with pytest.raises(AppKilled):
        publisher(accounts, account_id, xfake).publish(package, crashed.report, crashed.save)
    again = make_package(tmp_path, "x", account_id=account_id, video=video, upload_state=crashed.state)
    publisher(accounts, account_id, xfake).publish(again, StateLog().report, StateLog().save)
    assert xfake.bytes_received == video.stat().st_size
    assert len(xfake.tweets) == 1


def test_401_refreshes_once_then_posts(tmp_path, accounts, account_id, xfake, oauth_fake, video):
    oauth_fake.rotate_refresh = True
    package = make_package(tmp_path, "x", account_id=account_id, video=video)
    log = StateLog()

    def expire_before_posting(percent, message):
        log.report(percent, message)
        if percent == 85:
            oauth_fake.expire_all()

    publisher(accounts, account_id, xfake).publish(package, expire_before_posting, log.save)
    assert oauth_fake.grants_used == ["refresh_token"] and len(xfake.tweets) == 1


def test_429_uses_the_rate_limit_reset_and_duplicates_are_refused(tmp_path, accounts, account_id, xfake, video):
    package = make_package(tmp_path, "x", account_id=account_id, video=video)
    xfake.script("POST", r"/2/tweets", 429, {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
                 headers={"Retry-After": "1"})
    log = StateLog()
    with pytest.raises(TransientPublishError) as caught:
        publisher(accounts, account_id, xfake).publish(package, log.report, log.save)
    assert caught.value.retry_after == 1
    retry = make_package(tmp_path, "x", account_id=account_id, video=video, upload_state=log.state)
    publisher(accounts, account_id, xfake).publish(retry, StateLog().report, StateLog().save)
    assert xfake.count("POST", r"/2/media/upload/initialize") == 1  # the media was not uploaded again
    with pytest.raises(PublishError, match="duplicate content"):
        publisher(accounts, account_id, xfake).publish(retry, StateLog().report, StateLog().save)


def test_reconciliation_finds_the_post_made_before_the_crash(tmp_path, accounts, account_id, xfake, video):
    package = make_package(tmp_path, "x", account_id=account_id, video=video)
    log = StateLog()
    result = publisher(accounts, account_id, xfake).publish(package, log.report, log.save)
    state = {k: v for k, v in log.state.items() if k != "tweet_ids"}
    crashed = make_package(tmp_path, "x", account_id=account_id, video=video, upload_state=state)
    assert publisher(accounts, account_id, xfake).find_existing(crashed) == result
