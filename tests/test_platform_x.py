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


@pytest.mark.expect_log("answered HTTP")
def test_429_uses_the_rate_limit_reset_and_duplicates_are_refused(tmp_path, accounts, account_id, xfake, video):
    package = make_package(tmp_path, "x", account_id=account_id, video=video)
    from tests.fakes.x_server import rate_limited

    answer = rate_limited(reset_in=1)  # X's own headers: x-rate-limit-reset, no Retry-After
    xfake.script("POST", r"/2/tweets", answer.status, answer.body, headers=answer.headers)
    log = StateLog()
    with pytest.raises(TransientPublishError) as caught:
        publisher(accounts, account_id, xfake).publish(package, log.report, log.save)
    assert 1 <= caught.value.retry_after <= 2
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


# -- what the real X rejects, and the stand-in now rejects too -------------------------------


def test_a_200_character_chinese_post_weighs_400_and_goes_out_as_a_thread(tmp_path, accounts, account_id, xfake, video):
    """Finding 5: X counts CJK characters as 2; the stand-in refuses a post over 280 by weight."""
    from tests.fakes.x_server import weighted_length

    text = "固态电池用陶瓷层取代液态电解质，" * 12 + "结束"  # 194 characters, weight 388
    assert len(text) < 280 and weighted_length(text) > 280
    package = make_package(tmp_path, "x", account_id=account_id, video=video, text=text)
    publisher(accounts, account_id, xfake).publish(package, StateLog().report, StateLog().save)
    posts = list(xfake.tweets.values())
    assert len(posts) == 2 and all(weighted_length(p["text"]) <= 280 for p in posts)
    assert "".join(p["text"].rsplit(" ", 1)[0] for p in posts) == text  # nothing lost at the cut


@pytest.mark.expect_log("alt text")
def test_a_refused_alt_text_does_not_fail_the_post(tmp_path, accounts, account_id, xfake, video):
    """Finding 6."""
    xfake.script("POST", r"/2/media/metadata", 400, {"title": "Invalid Request", "detail": "alt text refused"})
    messages = []
    package = make_package(tmp_path, "x", account_id=account_id, video=video)
    result = publisher(accounts, account_id, xfake).publish(package, lambda p, m: messages.append(m), StateLog().save)
    assert xfake.tweets[result.remote_id]["media"] and any("without it" in m for m in messages)


def test_crash_recovery_recognises_the_post_behind_t_co_links(tmp_path, accounts, account_id, xfake, video):
    """Finding 7: the timeline shows links and media as t.co links; the saved text still matches."""
    text = "Solid-state cells reach a second pilot line https://techdigest.example.org/a #energy"
    package = make_package(tmp_path, "x", account_id=account_id, video=video, text=text)
    log = StateLog()
    result = publisher(accounts, account_id, xfake).publish(package, log.report, log.save)
    (stored,) = [t["stored"] for t in xfake.tweets.values()]
    assert "https://t.co/" in stored and "techdigest" not in stored
    crashed = make_package(tmp_path, "x", account_id=account_id, video=video, text=text,
                           upload_state={k: v for k, v in log.state.items() if k != "tweet_ids"})
    assert publisher(accounts, account_id, xfake).find_existing(crashed) == result


@pytest.mark.expect_log("answered HTTP 429")
def test_x_429_has_no_retry_after_and_the_wait_comes_from_x_rate_limit_reset(tmp_path, accounts, account_id, xfake, video):
    from tests.fakes.x_server import rate_limited

    answer = rate_limited(reset_in=300)
    xfake.script("POST", r"/2/tweets", answer.status, answer.body, headers=answer.headers)
    package = make_package(tmp_path, "x", account_id=account_id, video=video)
    with pytest.raises(TransientPublishError) as caught:
        publisher(accounts, account_id, xfake).publish(package, StateLog().report, StateLog().save)
    assert "retry-after" not in {k.lower() for k in answer.headers}
    assert 290 <= caught.value.retry_after <= 301


def test_a_video_x_fails_to_process_is_a_clear_refusal(tmp_path, accounts, account_id, xfake, video):
    xfake.fail_processing = "Unsupported video codec"
    package = make_package(tmp_path, "x", account_id=account_id, video=video)
    with pytest.raises(PublishError, match="X could not process the video: Unsupported video codec"):
        publisher(accounts, account_id, xfake).publish(package, StateLog().report, StateLog().save)
    assert xfake.tweets == {}


@pytest.mark.expect_log("answered HTTP 403")
def test_a_token_without_media_write_is_refused_with_what_to_do(tmp_path, accounts, oauth_fake, xfake, video):
    account_id = seed_account(accounts, oauth_fake, "x", remote_user_id=xfake.user_id, name="@nexus_test",
                              details={"username": "nexus_test"}, scopes=("tweet.read", "tweet.write", "users.read"))
    package = make_package(tmp_path, "x", account_id=account_id, video=video)
    with pytest.raises(PublishError, match="media.write") as caught:
        publisher(accounts, account_id, xfake).publish(package, StateLog().report, StateLog().save)
    assert "reconnect" in str(caught.value)


def test_the_pay_per_use_cost_is_said_before_posting(tmp_path, accounts, account_id, xfake, video):
    from nexus_desktop.providers.platforms import registry

    cost = registry.description("x").cost
    one = make_package(tmp_path, "x", account_id=account_id, video=video, text="Short post, no link")
    assert cost(one) == "1 post: about $0.020 in X API credits"  # $0.015 create + $0.005 alt text
    thread = make_package(tmp_path, "x", account_id=account_id, video=video, text=LONG + " https://example.org/a")
    assert cost(thread) == "a thread of 2 posts, 1 with a link: about $0.220 in X API credits"
    messages = []
    publisher(accounts, account_id, xfake).publish(one, lambda p, m: messages.append(m), StateLog().save)
    assert messages[0] == "Posting on X — 1 post: about $0.020 in X API credits"
