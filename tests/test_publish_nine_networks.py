"""Issue 16, done: one job goes out to all nine networks and the export folder against the
local stand-ins. TikTok, Threads, Bluesky and Mastodon are connected from the Accounts view
(the test plays the browser), Facebook through its pasted-back sign-in; the job is approved to
every target, published through the scheduler's state machine, and the calendar shows ten
published posts, each with its remote id and address. Each stand-in received one upload, and
publishing again does nothing. The first four networks' own checks are test_publish_everywhere's."""

from __future__ import annotations

import threading
import uuid

import pytest

from nexus_desktop import secrets
from nexus_desktop.domain.posts import PostStatus
from nexus_desktop.gui import accounts_view
from nexus_desktop.pipeline import schedule
from nexus_desktop.pipeline.publish import Backoff, Publishing
from nexus_desktop.providers.platforms.oauth import ClientApp
from nexus_desktop.providers.storage.s3_client import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from nexus_desktop.settings import Settings, SyncSettings
from tests.fakes.accounts_env import memory_keyring, oauth_fake  # noqa: F401 (fixtures)
from tests.fakes.bluesky_server import FakeBluesky
from tests.fakes.facebook_server import FakeFacebook
from tests.fakes.instagram_server import FakeInstagram
from tests.fakes.linkedin_server import FakeLinkedIn
from tests.fakes.mastodon_server import FakeMastodon
from tests.fakes.oauth_server import browser_landing_address, play_browser
from tests.fakes.sync_world import s3  # noqa: F401 (fixture)
from tests.fakes.threads_server import FakeThreads
from tests.fakes.tiktok_server import FakeTikTok
from tests.fakes.x_server import FakeX
from tests.fakes.youtube_server import FakeYouTube
from tests.publish_support import FakeClock, app_context, connect_through_oauth, publish_now_and_open_week, rendered_video_job
from tests.s3_server import ADMIN, BUCKET

NETWORKS = ("youtube", "instagram", "x", "linkedin", "tiktok", "facebook", "threads", "bluesky", "mastodon")
LINKS = {
    "youtube": "https://www.youtube.com/watch?v=", "instagram": "https://www.instagram.com/reel/",
    "x": "https://x.com/nexus_test/status/", "linkedin": "https://www.linkedin.com/feed/update/",
    "tiktok": "https://www.tiktok.com/@nexus.creator", "facebook": "https://www.facebook.com/reel/",
    "threads": "https://www.threads.net/@nexus.threads/post/", "bluesky": "https://bsky.app/profile/nexus.bsky.social/post/",
    "mastodon": "http://127.0.0.1:", "export": "file://",
}


@pytest.fixture
def stand_ins(oauth_fake):
    with FakeYouTube(oauth_fake) as youtube, FakeInstagram(oauth_fake) as instagram, FakeX(oauth_fake) as x, \
            FakeLinkedIn(oauth_fake) as linkedin, FakeTikTok() as tiktok, FakeFacebook(oauth_fake) as facebook, \
            FakeThreads() as threads, FakeBluesky() as bluesky, FakeMastodon() as mastodon:
        # Processing time is what the per-network tests poll through; here it would only be waited out.
        for fake in (instagram, tiktok, facebook, threads, bluesky, mastodon):
            fake.processing_polls = 0
        yield {"youtube": youtube, "instagram": instagram, "x": x, "linkedin": linkedin, "tiktok": tiktok,
               "facebook": facebook, "threads": threads, "bluesky": bluesky, "mastodon": mastodon}


@pytest.fixture
def ctx(tmp_path, memory_keyring, stand_ins, s3):
    settings = Settings()
    settings.schedule.default_targets = ["export:youtube", *NETWORKS]
    for platform in ("youtube", "instagram", "x", "linkedin", "tiktok", "facebook", "threads"):
        setattr(settings.publish, f"{platform}_base_url", stand_ins[platform].url)
    settings.publish.bluesky_video_url = stand_ins["bluesky"].url
    settings.sync = SyncSettings(enabled=True, endpoint_url=s3.endpoint, bucket=BUCKET, prefix=f"t-{uuid.uuid4().hex[:10]}/")
    secrets.set_secret(ACCESS_KEY_ID, ADMIN[0])
    secrets.set_secret(SECRET_ACCESS_KEY, ADMIN[1])
    with app_context(tmp_path, settings) as ctx:
        yield ctx


def connect_in_the_view(qtbot, view: accounts_view.AccountsView, stand_ins) -> None:
    """The four networks with their own sign-in, connected as the creator would from the view."""
    tiktok, threads, bluesky, mastodon = (stand_ins[p] for p in ("tiktok", "threads", "bluesky", "mastodon"))
    attempts = [
        ("tiktok", ClientApp(tiktok.client_key, tiktok.client_secret), f"{tiktok.url}/v2/auth/authorize/", tiktok.url),
        ("threads", ClientApp(threads.client_id, threads.client_secret), f"{threads.url}/oauth/authorize", threads.url),
        ("bluesky", ClientApp(bluesky.handle, bluesky.password), bluesky.url, None),
        ("mastodon", ClientApp(mastodon.url), None, None),
    ]
    failures: list[str] = []
    view.connect_failed.connect(failures.append)
    for platform, client, authorize, token in attempts:
        before = view.model.rowCount()
        landed: list[str] = []
        # Threads sends the browser to the HTTPS callback registered with the app; the creator pastes it back.
        browser = (lambda url: landed.append(browser_landing_address(url))) if platform == "threads" else play_browser
        worker: threading.Thread = view.start_connect(platform, client, open_url=browser, port=0, timeout=15,
                                                      authorize_endpoint=authorize, token_endpoint=token)
        if platform == "threads":
            qtbot.waitUntil(lambda: bool(failures) or (view.paste_row.isVisibleTo(view) and bool(landed)), timeout=20_000)
            assert landed[0].startswith("https://localhost/nexus-desktop/callback?code=")
            view.paste_edit.setText(landed[0])
            view.paste_ok.click()
        qtbot.waitUntil(lambda n=before: bool(failures) or view.model.rowCount() == n + 1, timeout=20_000)
        worker.join(timeout=5)
        assert not failures, f"connecting {platform} failed: {failures}"


def test_one_job_goes_to_nine_networks_and_the_export_folder_once(qtbot, ctx, oauth_fake, stand_ins, tmp_path):
    """test_publish_everywhere follows the first four networks from the Accounts view to their
    stand-ins; this adds the five networks of issue 16, all ten posts on one calendar, and a
    second publish of each that sends nothing."""
    ws, clock = ctx.ws, FakeClock()
    view = accounts_view.for_window(ctx)
    qtbot.addWidget(view)
    connect_through_oauth(qtbot, view, oauth_fake, ("youtube", "instagram", "x", "linkedin"))
    connect_in_the_view(qtbot, view, stand_ins)
    # Facebook Login as for Instagram: the creator pastes the address back; the app reads the
    # person's Pages and keeps one they can post to.
    connect_through_oauth(qtbot, view, oauth_fake, ("facebook",))
    model = view.model
    shown = {model.index(r, 0).data(): model.index(r, 2).data() for r in range(model.rowCount())}
    assert shown == dict.fromkeys(
        ["YouTube", "Instagram", "X", "LinkedIn", "TikTok", "Facebook", "Threads", "Bluesky", "Mastodon"], "OK")
    names = {model.index(r, 0).data(): model.index(r, 1).data() for r in range(model.rowCount())}
    assert all(names[n] for n in ("TikTok", "Facebook", "Threads", "Bluesky", "Mastodon")), names

    job_id = rendered_video_job(ws, tmp_path, size="540x960")  # big enough for Facebook Reels and TikTok
    report = schedule.approve_jobs(ws, [job_id], now=clock.now)
    posts = schedule.posts(ws).for_job(job_id)
    assert sorted(p.platform for p in posts) == sorted([*NETWORKS, "export"]) and len(report.posts) == 10

    chips, calendar = publish_now_and_open_week(qtbot, ctx, clock, posts, LINKS)
    calendar.resize(1400, 700)
    calendar.grab().save(str(tmp_path / "calendar.png"))

    # One upload per stand-in, every byte once (the first four: test_publish_everywhere checks what each holds).
    size = (ws.paths.job_dir(job_id) / "video.mp4").stat().st_size
    tiktok, facebook, threads, bluesky, mastodon = (stand_ins[p] for p in ("tiktok", "facebook", "threads", "bluesky", "mastodon"))
    assert tiktok.uploads == 1 and tiktok.bytes_received == size
    assert facebook.starts == 1 and facebook.bytes_received == size and list(facebook.videos) == [chips["facebook"].remote_id]
    # Threads fetched the video itself, once, from the bucket's short-lived link.
    assert len(threads.fetched) == 1 and threads.bytes_fetched == size and list(threads.media) == [chips["threads"].remote_id]
    assert bluesky.uploads == 1 and bluesky.bytes_received == size and len(bluesky.records) == 1
    assert mastodon.uploads == 1 and mastodon.bytes_received == size and list(mastodon.statuses) == [chips["mastodon"].remote_id]
    assert stand_ins["youtube"].bytes_received == size and len(stand_ins["x"].uploads) == 1
    assert len(stand_ins["linkedin"].videos) == 1 and len(stand_ins["instagram"].containers) == 1
    requests_before = {p: len(f.requests) for p, f in stand_ins.items()}

    # A second publish of each does nothing: nothing is due, and asking again changes no post.
    assert Publishing(ws, clock=clock, backoff=Backoff(base=0)).publish_due() == []
    schedule.publish_now(ws, [p.id for p in posts], now=clock.now)
    assert Publishing(ws, clock=clock, backoff=Backoff(base=0)).publish_due() == []
    assert {p: len(f.requests) for p, f in stand_ins.items()} == requests_before
    after = {p.platform: (p.status, p.remote_id) for p in schedule.posts(ws).for_job(job_id)}
    assert after == {platform: (PostStatus.PUBLISHED, post.remote_id) for platform, post in chips.items()}
