"""Issue 16, done: one job goes out to all nine networks and the export folder against the
local stand-ins. TikTok, Threads, Bluesky and Mastodon are connected from the Accounts view
(the test plays the browser), Facebook through its pasted-back sign-in; the job is approved to every target, published through the
scheduler's state machine, and the calendar shows ten published posts, each with its remote
id and address. Each stand-in received one upload, and publishing again does nothing."""

from __future__ import annotations

import shutil
import subprocess
import threading
import uuid

import imageio_ffmpeg
import pytest

from nexus_desktop import secrets
from nexus_desktop.domain.posts import PostStatus
from nexus_desktop.domain.stages import Stage
from nexus_desktop.gui import accounts_view
from nexus_desktop.gui.app_context import AppContext
from nexus_desktop.gui.calendar_view import WEEK, CalendarView
from nexus_desktop.gui.operations import Operations
from nexus_desktop.paths import AppPaths
from nexus_desktop.pipeline import schedule
from nexus_desktop.pipeline.flow import Workspace
from nexus_desktop.pipeline.publish import Backoff, Outcome, Publishing
from nexus_desktop.providers.platforms import oauth
from nexus_desktop.providers.platforms.oauth import ClientApp
from nexus_desktop.providers.storage.s3_client import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from nexus_desktop.runtime.runner import Runner
from nexus_desktop.runtime.scheduler import PostScheduler
from nexus_desktop.settings import Settings, SyncSettings
from nexus_desktop.store import Store
from nexus_desktop.store.items import NewItem
from tests.fakes.accounts_env import CLIENT_ID, CLIENT_SECRET, make_video, memory_keyring, oauth_fake  # noqa: F401 (fixtures)
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
from tests.s3_server import ADMIN, BUCKET
from tests.test_publish_everywhere import connect_all
from tests.publish_support import ZONE, FakeClock, script_for

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
    paths = AppPaths.resolve(tmp_path / "data")
    settings = Settings()
    settings.schedule.timezone = ZONE
    settings.schedule.default_targets = ["export:youtube", *NETWORKS]
    for platform in ("youtube", "instagram", "x", "linkedin", "tiktok", "facebook", "threads"):
        setattr(settings.publish, f"{platform}_base_url", stand_ins[platform].url)
    settings.publish.bluesky_video_url = stand_ins["bluesky"].url
    settings.sync = SyncSettings(enabled=True, endpoint_url=s3.endpoint, bucket=BUCKET, prefix=f"t-{uuid.uuid4().hex[:10]}/")
    secrets.set_secret(ACCESS_KEY_ID, ADMIN[0])
    secrets.set_secret(SECRET_ACCESS_KEY, ADMIN[1])
    store = Store.open(f"sqlite+pysqlite:///{paths.database}")
    ws = Workspace(store=store, settings=settings, paths=paths)
    runner = Runner(ws)
    yield AppContext(ws, runner, Operations(ws, runner))
    runner.shutdown()
    store.close()


def rendered_job(ws: Workspace, tmp_path) -> int:
    """A job with a real 4-second 540x960 H.264 video: big enough for Facebook Reels and TikTok,
    over LinkedIn's 75 KB minimum, used for every format."""
    video = make_video(tmp_path / "video.mp4", size="540x960", seconds=4.0, pad_to=96 * 1024)
    thumb = tmp_path / "thumb.png"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=540x960",
                    "-frames:v", "1", str(thumb)], check=True, timeout=60)
    srt = tmp_path / "captions.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:04,000\nSolid-state cells, explained.\n", encoding="utf-8")
    source, _ = ws.store.sources.add("https://example.org/feed", "Example")
    ws.store.items.add_new(source.id, [NewItem(
        guid="g1", link="https://example.org/1", title="Story 1", author="A", published=None, summary="s",
        content="c", image_url=None, language="en", content_hash="h1")])
    (job,) = ws.store.jobs.list()
    for path in (video, thumb, srt):
        shutil.copyfile(path, ws.paths.job_dir(job.id) / path.name)
    formats = ("16x9", "9x16", "1x1")
    results = {
        Stage.ANALYZE: {"script": script_for(1).to_dict()},
        Stage.NARRATE: {"narration": {}},
        Stage.VISUALIZE: {"thumbnails": {f: thumb.name for f in formats}},
        Stage.RENDER: {"videos": {f: {"path": video.name, "duration": 4.0, "width": 540, "height": 960,
                                      "srt": srt.name} for f in formats}},
    }
    for stage, result in results.items():
        assert ws.store.jobs.claim(job.id, worker="maker") is not None
        ws.store.jobs.record_success(job.id, stage, result, [], "maker")
    return job.id


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


def connect_facebook(qtbot, view: accounts_view.AccountsView, oauth_fake) -> None:
    """Facebook Login as for Instagram: the browser lands on the registered HTTPS page, the creator
    pastes the address; the app reads the person's Pages and keeps one they can post to."""
    prov = oauth.provider("facebook", view.settings)
    oauth_fake.require_pkce, oauth_fake.loopback_allowed = False, False
    oauth_fake.registered_redirects = {prov.registered_redirect}
    failures: list[str] = []
    view.connect_failed.connect(failures.append)
    landed: list[str] = []
    before = view.model.rowCount()
    worker = view.start_connect("facebook", ClientApp(CLIENT_ID, CLIENT_SECRET), open_url=lambda url: landed.append(
        browser_landing_address(url)), port=0, timeout=15, authorize_endpoint=oauth_fake.authorize_url,
        token_endpoint=oauth_fake.token_url)
    qtbot.waitUntil(lambda: bool(failures) or (view.paste_row.isVisibleTo(view) and bool(landed)), timeout=20_000)
    view.paste_edit.setText(landed[0])
    view.paste_ok.click()
    qtbot.waitUntil(lambda: bool(failures) or view.model.rowCount() == before + 1, timeout=20_000)
    worker.join(timeout=5)
    assert not failures, f"connecting Facebook failed: {failures}"


def test_one_job_goes_to_nine_networks_and_the_export_folder_once(qtbot, ctx, oauth_fake, stand_ins, tmp_path):
    ws, clock = ctx.ws, FakeClock()
    view = accounts_view.for_window(ctx)
    qtbot.addWidget(view)
    connect_all(qtbot, view, oauth_fake)  # YouTube, Instagram, X, LinkedIn as test_publish_everywhere does
    connect_in_the_view(qtbot, view, stand_ins)
    connect_facebook(qtbot, view, oauth_fake)
    shown = {view.model.index(r, 0).data() for r in range(view.model.rowCount())}
    assert shown == {"YouTube", "Instagram", "X", "LinkedIn", "TikTok", "Facebook", "Threads", "Bluesky", "Mastodon"}

    job_id = rendered_job(ws, tmp_path)
    report = schedule.approve_jobs(ws, [job_id], now=clock.now)
    posts = schedule.posts(ws).for_job(job_id)
    assert sorted(p.platform for p in posts) == sorted([*NETWORKS, "export"]) and len(report.posts) == 10

    schedule.publish_now(ws, [p.id for p in posts], now=clock.now)
    outcomes = Publishing(ws, clock=clock, backoff=Backoff(base=0)).publish_due()
    assert [(o.post_id, o.outcome, o.message) for o in outcomes if o.outcome is not Outcome.PUBLISHED] == []
    assert len(outcomes) == 10

    calendar = CalendarView(ctx, scheduler=PostScheduler(ws, clock=clock, backoff=Backoff(base=0)), clock=clock)
    qtbot.addWidget(calendar)
    with qtbot.waitSignal(calendar.refreshed, timeout=10_000):
        calendar.set_mode(WEEK)
    chips = {chip.post.platform: chip.post for chip in calendar.chips()}
    assert sorted(chips) == sorted([*NETWORKS, "export"]) and len(calendar.chips()) == 10
    for platform, post in chips.items():
        assert post.status is PostStatus.PUBLISHED, (platform, post.status_text)
        assert post.remote_id and post.url.startswith(LINKS[platform]), (platform, post.remote_id, post.url)
    calendar.resize(1400, 700)
    calendar.grab().save(str(tmp_path / "calendar.png"))

    # One upload per stand-in, every byte once.
    size = (ws.paths.job_dir(job_id) / "video.mp4").stat().st_size
    tiktok, facebook, threads, bluesky, mastodon = (stand_ins[p] for p in ("tiktok", "facebook", "threads", "bluesky", "mastodon"))
    assert tiktok.uploads == 1 and tiktok.bytes_received == size
    assert facebook.starts == 1 and facebook.bytes_received == size and list(facebook.videos) == [chips["facebook"].remote_id]
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
