"""LinkedIn adapter against the local Videos + Posts API stand-in."""

from __future__ import annotations

import pytest

from nexus_desktop.providers.platforms.base import PublishError
from nexus_desktop.providers.platforms.linkedin import LinkedInPublisher, commentary
from nexus_desktop.providers.platforms.oauth import AccountTokens
from tests.fakes.accounts_env import (  # noqa: F401 (fixtures)
    AppKilled, StateLog, accounts, make_package, make_video, memory_keyring, oauth_fake, platform_store, seed_account,
    settings_for,
)
from tests.fakes.linkedin_server import PART_SIZE, FakeLinkedIn


@pytest.fixture
def linkedin(oauth_fake):
    with FakeLinkedIn(oauth_fake) as server:
        yield server


@pytest.fixture
def account_id(accounts, oauth_fake, linkedin):
    return seed_account(accounts, oauth_fake, "linkedin", remote_user_id=linkedin.person_id, name=linkedin.name,
                        details={"person_urn": f"urn:li:person:{linkedin.person_id}"})


def publisher(accounts, account_id, linkedin, **settings) -> LinkedInPublisher:
    publish = settings_for(linkedin_base_url=linkedin.url, **settings).publish
    return LinkedInPublisher(publish, AccountTokens(account_id, accounts, publish), sleep=lambda s: None)


@pytest.fixture
def video(tmp_path):
    return make_video(tmp_path / "v.mp4", size="192x108", pad_to=2 * PART_SIZE + 5000)


def test_video_post_as_a_person_with_version_header_from_settings(tmp_path, accounts, account_id, linkedin, video):
    package = make_package(tmp_path, "linkedin", account_id=account_id, video=video, video_format="16x9",
                           text="Cells (solid-state) hit 91% #energy")
    log = StateLog()
    result = publisher(accounts, account_id, linkedin, linkedin_version="202601").publish(package, log.report, log.save)
    post = linkedin.posts[result.remote_id]
    assert result.url == f"https://www.linkedin.com/feed/update/{result.remote_id}/"
    assert post["author"] == f"urn:li:person:{linkedin.person_id}"
    assert post["content"]["media"]["id"] == log.state["video"]
    assert post["commentary"] == r"Cells \(solid-state\) hit 91% {hashtag|\#|energy}"
    assert set(linkedin.versions_seen) == {"202601"}
    assert linkedin.bytes_received == video.stat().st_size


def test_an_expired_version_is_refused_with_a_readable_message(tmp_path, accounts, account_id, linkedin, video):
    package = make_package(tmp_path, "linkedin", account_id=account_id, video=video, video_format="16x9")
    with pytest.raises(PublishError, match="202301 is not active"):
        publisher(accounts, account_id, linkedin, linkedin_version="202301").publish(package, StateLog().report, StateLog().save)


def test_parts_resume_after_a_restart_and_etags_finalize(tmp_path, accounts, account_id, linkedin, video):
    package = make_package(tmp_path, "linkedin", account_id=account_id, video=video, video_format="16x9",
                           options={"author": "urn:li:organization:5515715"})
    crashed = StateLog(crash_at_percent=28)  # one of three parts uploaded
    with pytest.raises(AppKilled):
        publisher(accounts, account_id, linkedin).publish(package, crashed.report, crashed.save)
    assert len(crashed.state["etags"]) == 1
    again = make_package(tmp_path, "linkedin", account_id=account_id, video=video, video_format="16x9",
                         options={"author": "urn:li:organization:5515715"}, upload_state=crashed.state)
    result = publisher(accounts, account_id, linkedin).publish(again, StateLog().report, StateLog().save)
    assert linkedin.bytes_received == video.stat().st_size
    assert linkedin.posts[result.remote_id]["author"] == "urn:li:organization:5515715"


def test_reconciliation_finds_the_post_carrying_the_video(tmp_path, accounts, account_id, linkedin, video):
    package = make_package(tmp_path, "linkedin", account_id=account_id, video=video, video_format="16x9")
    log = StateLog()
    result = publisher(accounts, account_id, linkedin).publish(package, log.report, log.save)
    state = {k: v for k, v in log.state.items() if k != "post_urn"}
    crashed = make_package(tmp_path, "linkedin", account_id=account_id, video=video, video_format="16x9", upload_state=state)
    assert publisher(accounts, account_id, linkedin).find_existing(crashed) == result
    assert len(linkedin.posts) == 1


def test_commentary_escapes_reserved_characters():
    assert commentary("a_b *c* @d #tag") == r"a\_b \*c\* \@d {hashtag|\#|tag}"
