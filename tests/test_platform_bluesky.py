"""Bluesky adapter (atproto SDK) against a local PDS + video service stand-in."""

from __future__ import annotations

import pytest

from nexus_desktop.providers.platforms import bluesky
from nexus_desktop.providers.platforms.base import NeedsReconnect, PublishError
from nexus_desktop.providers.platforms.bluesky import BlueskyPublisher, facets, graphemes
from nexus_desktop.providers.platforms.networks import NetworkTokens
from tests.fakes.accounts_env import (  # noqa: F401 (fixtures)
    AppKilled, StateLog, accounts, make_package, make_video, memory_keyring, platform_store,
)
from tests.fakes.bluesky_server import FakeBluesky


@pytest.fixture
def pds():
    with FakeBluesky() as server:
        yield server


@pytest.fixture
def account_id(accounts, pds):
    return bluesky.connect(pds.handle, pds.password, accounts=accounts, pds=pds.url).id


def publisher(accounts, account_id, pds) -> BlueskyPublisher:
    return BlueskyPublisher(NetworkTokens(account_id, accounts), video_service=pds.url, sleep=lambda s: None)


@pytest.fixture
def video(tmp_path):
    return make_video(tmp_path / "v.mp4", size="192x108")


TEXT = "Zellen 🔋 halten 91 % — https://techdigest.example.org/a #energy #Batterien"


def test_connect_checks_the_app_password_and_keeps_it_out_of_the_database(accounts, pds):
    view = bluesky.connect("@" + pds.handle, pds.password, accounts=accounts, pds=pds.url)
    assert (view.name, view.remote_user_id) == (f"@{pds.handle}", pds.did)
    assert pds.password not in str(view.details)
    with pytest.raises(NeedsReconnect, match="Invalid identifier or password"):
        bluesky.connect(pds.handle, "wrong-pass-word-xxxx", accounts=accounts, pds=pds.url)


def test_video_post_goes_through_the_video_service_and_embeds_the_blob(tmp_path, accounts, account_id, pds, video):
    package = make_package(tmp_path, "bluesky", account_id=account_id, video=video, video_format="16x9", text=TEXT)
    log = StateLog()
    result = publisher(accounts, account_id, pds).publish(package, log.report, log.save)
    rkey = log.state["rkey"]
    assert result.remote_id == f"at://{pds.did}/app.bsky.feed.post/{rkey}"
    assert result.url == f"https://bsky.app/profile/{pds.handle}/post/{rkey}"
    record = pds.records[rkey]
    assert record["text"] == TEXT and record["embed"]["video"]["ref"]["$link"] in pds.blobs
    assert (record["embed"]["aspectRatio"]["width"], record["embed"]["aspectRatio"]["height"]) == (16, 9)
    assert pds.uploads == 1 and pds.bytes_received == video.stat().st_size
    raw = TEXT.encode()
    spans = [(raw[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode(), f["features"][0]) for f in record["facets"]]
    assert spans == [
        ("https://techdigest.example.org/a", {"$type": "app.bsky.richtext.facet#link", "uri": "https://techdigest.example.org/a"}),
        ("#energy", {"$type": "app.bsky.richtext.facet#tag", "tag": "energy"}),
        ("#Batterien", {"$type": "app.bsky.richtext.facet#tag", "tag": "Batterien"}),
    ]


def test_a_crash_before_the_record_id_was_saved_finds_the_post_instead_of_posting_again(tmp_path, accounts, account_id, pds, video):
    package = make_package(tmp_path, "bluesky", account_id=account_id, video=video, video_format="16x9")
    log = StateLog()
    first = publisher(accounts, account_id, pds).publish(package, log.report, log.save)
    lost = {k: v for k, v in log.state.items() if k != "uri"}
    crashed = make_package(tmp_path, "bluesky", account_id=account_id, video=video, video_format="16x9", upload_state=lost)
    assert publisher(accounts, account_id, pds).find_existing(crashed) == first
    assert publisher(accounts, account_id, pds).publish(crashed, StateLog().report, StateLog().save) == first
    assert len(pds.records) == 1 and pds.uploads == 1


def test_a_crash_during_processing_continues_the_same_job(tmp_path, accounts, account_id, pds, video):
    package = make_package(tmp_path, "bluesky", account_id=account_id, video=video, video_format="16x9")
    crashed = StateLog(crash_at_percent=50)
    with pytest.raises(AppKilled):
        publisher(accounts, account_id, pds).publish(package, crashed.report, crashed.save)
    again = make_package(tmp_path, "bluesky", account_id=account_id, video=video, video_format="16x9", upload_state=crashed.state)
    publisher(accounts, account_id, pds).publish(again, StateLog().report, StateLog().save)
    assert pds.uploads == 1 and len(pds.records) == 1


def test_text_over_300_graphemes_is_refused_before_upload(tmp_path, accounts, account_id, pds, video):
    family = "👨‍👩‍👧"  # one grapheme, five code points, 18 bytes
    fits = make_package(tmp_path, "bluesky", account_id=account_id, video=video, video_format="16x9", text=family * 150)
    assert graphemes(fits.text) == 150 and publisher(accounts, account_id, pds).preflight(fits) == []
    long = make_package(tmp_path, "bluesky", account_id=account_id, video=video, video_format="16x9", text="a" * 301)
    with pytest.raises(PublishError, match="the text is 301 characters; Bluesky allows 300"):
        publisher(accounts, account_id, pds).publish(long, StateLog().report, StateLog().save)
    assert pds.uploads == 0


def test_a_video_over_three_minutes_is_refused(tmp_path, accounts, account_id, pds, video):
    package = make_package(tmp_path, "bluesky", account_id=account_id, video=video, video_format="16x9", duration=200)
    (problem,) = publisher(accounts, account_id, pds).preflight(package)
    assert problem.startswith("16:9 video is 200 s; Bluesky videos allow 180 s")


def test_an_unconfirmed_email_is_a_clear_refusal(tmp_path, accounts, account_id, pds, video):
    pds.can_upload = False
    package = make_package(tmp_path, "bluesky", account_id=account_id, video=video, video_format="16x9")
    with pytest.raises(PublishError, match="Please confirm your email") as caught:
        publisher(accounts, account_id, pds).publish(package, StateLog().report, StateLog().save)
    assert "confirmed" in caught.value.hint and pds.uploads == 0


def test_an_app_password_revoked_mid_upload_asks_to_reconnect(tmp_path, accounts, account_id, pds, video):
    package = make_package(tmp_path, "bluesky", account_id=account_id, video=video, video_format="16x9")

    def revoke(percent: int, message: str) -> None:
        if percent >= 50:
            pds.revoke_sessions()

    log = StateLog()
    with pytest.raises(NeedsReconnect, match="reconnect"):
        publisher(accounts, account_id, pds).publish(package, revoke, log.save)
    assert accounts.get(account_id).status == "needs_reconnect" and pds.records == {}


def test_facets_count_utf8_bytes():
    (tag,) = facets("é #a1")
    assert tag["index"] == {"byteStart": 3, "byteEnd": 6}
