"""Mastodon adapter (Mastodon.py) against a local instance stand-in."""

from __future__ import annotations

import pytest

from nexus_desktop.providers.platforms import mastodon
from nexus_desktop.providers.platforms.base import NeedsReconnect, PublishError, TransientPublishError
from nexus_desktop.providers.platforms.mastodon import MastodonPublisher, count_characters
from nexus_desktop.providers.platforms.networks import NetworkTokens
from nexus_desktop.providers.platforms.oauth import TokenSet, save_tokens
from tests.fakes.accounts_env import (  # noqa: F401 (fixtures)
    AppKilled, StateLog, accounts, make_package, make_video, memory_keyring, platform_store,
)
from tests.fakes.mastodon_server import FakeMastodon
from tests.fakes.oauth_server import play_browser


@pytest.fixture
def instance():
    with FakeMastodon() as server:
        yield server


def seed(accounts, server: FakeMastodon) -> int:
    view = accounts.upsert("mastodon", f"@nexus@{server.url}", remote_user_id=server.account_id, token_expires_at=None,
                           details={"instance": server.url, "client_id": "c", "refreshable": False})
    save_tokens(view.id, TokenSet(server.issue_token(), None, None), "s")
    return view.id


def publisher(accounts, account_id) -> MastodonPublisher:
    return MastodonPublisher(NetworkTokens(account_id, accounts), sleep=lambda s: None)


@pytest.fixture
def video(tmp_path):
    return make_video(tmp_path / "v.mp4", size="192x108")


def test_connect_registers_the_app_on_the_instance_and_signs_in(accounts, instance):
    view = mastodon.connect(instance.url, accounts=accounts, open_url=play_browser, timeout=10)
    assert view.name == f"@nexus@{instance.url.removeprefix('http://')}"
    assert view.details["instance"] == instance.url and len(instance.apps) == 1
    assert len(instance.tokens) == 1  # the code was exchanged once


def test_video_status_is_posted_once_with_its_text_and_an_idempotency_key(tmp_path, accounts, instance, video):
    account_id = seed(accounts, instance)
    package = make_package(tmp_path, "mastodon", account_id=account_id, video=video, video_format="16x9",
                           text="Solid-state cells hit 91% https://techdigest.example.org/a #energy")
    log = StateLog()
    result = publisher(accounts, account_id).publish(package, log.report, log.save)
    status = instance.statuses[result.remote_id]
    assert result.url == f"{instance.url}/@nexus/{result.remote_id}"
    assert status["text"] == package.text and [m["id"] for m in status["media_attachments"]] == [log.state["media_id"]]
    (post,) = [r for r in instance.requests if r.path == "/api/v1/statuses"]
    assert post.headers["idempotency-key"] == log.state["idempotency_key"]
    assert instance.uploads == 1 and instance.bytes_received == video.stat().st_size
    assert instance.count("GET", r"/api/v1/media/\d+") == 3  # 206, 206, then 200: processed


def test_a_crash_after_the_upload_resumes_without_a_second_upload_or_status(tmp_path, accounts, instance, video):
    account_id = seed(accounts, instance)
    package = make_package(tmp_path, "mastodon", account_id=account_id, video=video, video_format="16x9")
    crashed = StateLog(crash_at_percent=60)
    with pytest.raises(AppKilled):
        publisher(accounts, account_id).publish(package, crashed.report, crashed.save)
    assert crashed.state["media_id"] and instance.statuses == {}
    again = make_package(tmp_path, "mastodon", account_id=account_id, video=video, video_format="16x9", upload_state=crashed.state)
    result = publisher(accounts, account_id).publish(again, StateLog().report, StateLog().save)
    assert instance.uploads == 1 and list(instance.statuses) == [result.remote_id]


def test_a_retry_after_the_status_went_out_gets_the_same_status(tmp_path, accounts, instance, video):
    account_id = seed(accounts, instance)
    package = make_package(tmp_path, "mastodon", account_id=account_id, video=video, video_format="16x9")
    log = StateLog()
    first = publisher(accounts, account_id).publish(package, log.report, log.save)
    lost = {k: v for k, v in log.state.items() if k not in ("status_id", "url")}  # the app died before saving the id
    crashed = make_package(tmp_path, "mastodon", account_id=account_id, video=video, video_format="16x9", upload_state=lost)
    assert publisher(accounts, account_id).find_existing(crashed) == first
    assert publisher(accounts, account_id).publish(crashed, StateLog().report, StateLog().save) == first
    assert len(instance.statuses) == 1 and instance.uploads == 1


def test_the_limit_is_the_instances_own(tmp_path, accounts, video):
    text = "word " * 180  # 900 characters
    with FakeMastodon(max_characters=1000) as roomy:
        account_id = seed(accounts, roomy)
        package = make_package(tmp_path, "mastodon", account_id=account_id, video=video, video_format="16x9", text=text)
        assert publisher(accounts, account_id).preflight(package) == []
        too_long = make_package(tmp_path, "mastodon", account_id=account_id, video=video, video_format="16x9", text="x" * 1001)
        (problem,) = publisher(accounts, account_id).preflight(too_long)
        assert problem.startswith("the text is 1001 characters") and "allows 1000" in problem
    with FakeMastodon(max_characters=500) as small:
        account_id = seed(accounts, small)
        package = make_package(tmp_path, "mastodon", account_id=account_id, video=video, video_format="16x9", text=text)
        with pytest.raises(PublishError, match="the text is 900 characters .* allows 500"):
            publisher(accounts, account_id).publish(package, StateLog().report, StateLog().save)
        assert small.uploads == 0


def test_a_video_over_the_instances_size_limit_is_refused_before_upload(tmp_path, accounts, video):
    with FakeMastodon(video_size_limit=2048) as tight:
        account_id = seed(accounts, tight)
        package = make_package(tmp_path, "mastodon", account_id=account_id, video=video, video_format="16x9")
        (problem,) = publisher(accounts, account_id).preflight(package)
        assert "Mastodon videos allow 2 KB" in problem and tight.uploads == 0


def test_an_instance_that_is_down_is_retried_later_with_its_name(tmp_path, accounts, video):
    with FakeMastodon() as server:
        account_id = seed(accounts, server)
    # stopped: nothing listens there any more
    package = make_package(tmp_path, "mastodon", account_id=account_id, video=video, video_format="16x9")
    with pytest.raises(TransientPublishError, match="the Mastodon instance 127.0.0.1 is not answering"):
        publisher(accounts, account_id).publish(package, StateLog().report, StateLog().save)


def test_a_token_revoked_mid_upload_holds_the_post_and_asks_to_reconnect(tmp_path, accounts, instance, video):
    account_id = seed(accounts, instance)
    package = make_package(tmp_path, "mastodon", account_id=account_id, video=video, video_format="16x9")
    log = StateLog()

    def revoke_after_upload(percent: int, message: str) -> None:
        if percent >= 60:
            instance.revoke_all()

    with pytest.raises(NeedsReconnect, match="no longer accepts this account's sign-in"):
        publisher(accounts, account_id).publish(package, revoke_after_upload, log.save)
    assert accounts.get(account_id).status == "needs_reconnect" and instance.statuses == {}


def test_links_count_23_characters_and_remote_mentions_their_username():
    assert count_characters("see https://example.org/a/very/long/path/indeed/yes") == 4 + 23
    assert count_characters("hi @alice@mastodon.social") == len("hi @alice")
