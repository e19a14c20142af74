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


@pytest.mark.expect_log("no longer accepts API version", "answered HTTP 426")
def test_a_pinned_version_the_server_refuses_steps_to_a_live_one_once_and_says_so(tmp_path, accounts, account_id, linkedin, video):
    package = make_package(tmp_path, "linkedin", account_id=account_id, video=video, video_format="16x9")
    log = StateLog()
    messages = []
    linkedin_publisher = publisher(accounts, account_id, linkedin, linkedin_version="202301")
    result = linkedin_publisher.publish(package, lambda p, m: messages.append(m), log.save)
    assert result.remote_id in linkedin.posts
    assert linkedin.versions_seen[0] == "202301" and set(linkedin.versions_seen[1:]) == {"202607"}
    assert "no longer accepts API version 202301" in messages[-1] and "Settings" in messages[-1]
    assert "202607" in accounts.get(account_id).details["api_notice"]


def test_parts_resume_after_a_restart_and_etags_finalize(tmp_path, accounts, oauth_fake, linkedin, video):
    account_id = seed_account(accounts, oauth_fake, "linkedin", remote_user_id=linkedin.person_id, name=linkedin.name,
                              details={"person_urn": f"urn:li:person:{linkedin.person_id}"},
                              scopes=("openid", "profile", "w_member_social", "w_organization_social"))
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
    assert commentary(r"C# (v2) {x} [y] <z> a|b ~c \d") == r"C\# \(v2\) \{x\} \[y\] \<z\> a\|b \~c \\d"



# -- what the real LinkedIn rejects, and the stand-in now rejects too -------------------------


def test_the_default_version_is_the_newest_live_one_and_the_retired_202510_is_refused(tmp_path, accounts, account_id,
                                                                                      linkedin, video):
    """Finding 1: 202510 was the default and LinkedIn retired it on 2026-10-15."""
    import httpx

    refused = httpx.get(f"{linkedin.url}/rest/posts", params={"q": "author", "author": "urn:li:person:x"},
                        headers={"LinkedIn-Version": "202510", "X-Restli-Protocol-Version": "2.0.0",
                                 "Authorization": "Bearer " + next(iter(linkedin.oauth.access))})
    assert refused.status_code == 426 and refused.json()["code"] == "NONEXISTENT_VERSION"
    package = make_package(tmp_path, "linkedin", account_id=account_id, video=video, video_format="16x9")
    publisher(accounts, account_id, linkedin).publish(package, StateLog().report, StateLog().save)
    assert set(linkedin.versions_seen[1:]) == {"202607"}  # the newest live on today's date, no 426 first


@pytest.mark.expect_log("no longer accepts API version")
def test_a_pin_retired_by_its_published_date_is_stepped_over_without_a_refusal(tmp_path, accounts, account_id, linkedin, video):
    package = make_package(tmp_path, "linkedin", account_id=account_id, video=video, video_format="16x9")
    li = publisher(accounts, account_id, linkedin, linkedin_version="202510")
    li.publish(package, StateLog().report, StateLog().save)
    assert "202510" not in linkedin.versions_seen and "202510" in li.version.notice


def test_hashtags_and_a_bare_hash_reach_members_whole(tmp_path, accounts, account_id, linkedin, video):
    """Finding 9: an unescaped reserved character cuts the post where it stands."""
    text = "Why C# (and F#) matter: {generics} [in depth] <3 a|b ~ok_ok *bold* @nobody \\o/ #dotnet"
    package = make_package(tmp_path, "linkedin", account_id=account_id, video=video, video_format="16x9", text=text)
    result = publisher(accounts, account_id, linkedin).publish(package, StateLog().report, StateLog().save)
    assert linkedin.posts[result.remote_id]["rendered"] == text


@pytest.mark.expect_log("answered HTTP 403")
def test_a_page_post_without_w_organization_social_stops_before_the_upload(tmp_path, accounts, account_id, linkedin, video):
    """Finding 11: page posts need w_organization_social; the stand-in refuses them without it."""
    package = make_package(tmp_path, "linkedin", account_id=account_id, video=video, video_format="16x9",
                           options={"author": "urn:li:organization:5515715"})
    with pytest.raises(PublishError, match="w_organization_social") as caught:
        publisher(accounts, account_id, linkedin).publish(package, StateLog().report, StateLog().save)
    assert "Community Management API" in str(caught.value) and linkedin.bytes_received == 0
    # The stand-in refuses it too, should the account claim a permission its token lacks.
    accounts.update_details(account_id, scopes=["openid", "profile", "w_member_social", "w_organization_social"])
    with pytest.raises(PublishError, match="w_organization_social"):
        publisher(accounts, account_id, linkedin).publish(package, StateLog().report, StateLog().save)
    assert linkedin.posts == {}


def test_processing_then_available_and_a_processing_failure_is_a_clear_refusal(tmp_path, accounts, account_id, linkedin, video):
    linkedin.processing_polls = 3
    package = make_package(tmp_path, "linkedin", account_id=account_id, video=video, video_format="16x9")
    publisher(accounts, account_id, linkedin).publish(package, StateLog().report, StateLog().save)
    linkedin.fail_processing = True
    with pytest.raises(PublishError, match="could not process the video: Video format is not supported"):
        publisher(accounts, account_id, linkedin).publish(
            make_package(tmp_path, "linkedin", account_id=account_id, video=video, video_format="16x9", text="second"),
            StateLog().report, StateLog().save)
    assert len(linkedin.posts) == 1


def test_an_article_share_posts_the_source_link_with_title_and_thumbnail(tmp_path, accounts, account_id, linkedin, video):
    """The seed's article distribution: no video, the article's link with its title and thumbnail."""
    thumb = tmp_path / "thumb.jpg"
    thumb.write_bytes(b"\xff\xd8jpeg" * 300)
    package = make_package(tmp_path, "linkedin", account_id=account_id, video=video, video_format="16x9",
                           thumbnail=thumb, options={"share": "article"}, text="New pilot line for solid-state cells")
    log = StateLog()
    result = publisher(accounts, account_id, linkedin).publish(package, log.report, log.save)
    article = linkedin.posts[result.remote_id]["content"]["article"]
    assert article["source"] == "https://techdigest.example.org/a" and article["title"] == package.title
    assert linkedin.images[article["thumbnail"]] == thumb.stat().st_size
    assert linkedin.videos == {} and linkedin.bytes_received == 0
    crashed = make_package(tmp_path, "linkedin", account_id=account_id, video=video, video_format="16x9",
                           thumbnail=thumb, options={"share": "article"}, text="New pilot line for solid-state cells",
                           upload_state={k: v for k, v in log.state.items() if k != "post_urn"})
    assert publisher(accounts, account_id, linkedin).find_existing(crashed) == result
