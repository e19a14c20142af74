"""Issue 6, done: from the Accounts view a creator connects YouTube, Instagram, X and LinkedIn
against the local stand-ins (the test plays the browser on the loopback redirect), sends one
sample job to all four and to the export folder, and sees five published posts, each with its
remote id and link, in the app. Each stand-in received exactly one upload."""

from __future__ import annotations

import shutil
import subprocess
import threading

import imageio_ffmpeg
import pytest

from nexus_desktop.domain.posts import PostStatus
from nexus_desktop.domain.stages import Stage
from nexus_desktop.gui import accounts_view
from nexus_desktop.gui.app_context import AppContext
from nexus_desktop.gui.calendar_post_editor import JobPostsPanel
from nexus_desktop.gui.calendar_view import WEEK, CalendarView
from nexus_desktop.gui.main_window import VIEWS
from nexus_desktop.gui.operations import Operations
from nexus_desktop.paths import AppPaths
from nexus_desktop.pipeline import schedule
from nexus_desktop.pipeline.flow import Workspace
from nexus_desktop.pipeline.publish import Backoff, Outcome, Publishing
from nexus_desktop.providers.platforms import oauth
from nexus_desktop.providers.platforms.oauth import ClientApp
from nexus_desktop.runtime.runner import Runner
from nexus_desktop.runtime.scheduler import PostScheduler
from nexus_desktop.settings import Settings
from nexus_desktop.store import Store
from nexus_desktop.store.items import NewItem
from nexus_desktop.store.targets import TargetRepo
from tests.fakes.accounts_env import (  # noqa: F401 (fixtures)
    CLIENT_ID,
    CLIENT_SECRET,
    accounts,
    make_video,
    memory_keyring,
    oauth_fake,
    platform_store,
    seed_account,
)
from tests.fakes.instagram_server import FakeInstagram
from tests.fakes.linkedin_server import FakeLinkedIn
from tests.fakes.oauth_server import browser_landing_address, play_browser
from tests.fakes.x_server import FakeX
from tests.fakes.youtube_server import FakeYouTube
from tests.publish_support import ZONE, FakeClock, script_for
PLATFORMS = ("youtube", "instagram", "x", "linkedin")
LINKS = {
    "youtube": "https://www.youtube.com/watch?v=",
    "instagram": "https://www.instagram.com/reel/",
    "x": "https://x.com/nexus_test/status/",
    "linkedin": "https://www.linkedin.com/feed/update/",
    "export": "file://",
}


@pytest.fixture
def stand_ins(oauth_fake):
    with FakeYouTube(oauth_fake) as youtube, FakeInstagram(oauth_fake) as instagram, FakeX(oauth_fake) as x, \
            FakeLinkedIn(oauth_fake) as linkedin:
        # Reels processing time is not what this test is about (test_platform_instagram polls
        # until FINISHED); the app's adapter waits 5 s between polls.
        instagram.processing_polls = 0
        yield {"youtube": youtube, "instagram": instagram, "x": x, "linkedin": linkedin}


@pytest.fixture
def ctx(tmp_path, memory_keyring, stand_ins):
    """The app as it starts: its store in the data folder, each adapter pointed at its stand-in."""
    paths = AppPaths.resolve(tmp_path / "data")
    settings = Settings()
    settings.schedule.timezone = ZONE
    settings.schedule.default_targets = ["export:youtube"]
    for platform, fake in stand_ins.items():
        setattr(settings.publish, f"{platform}_base_url", fake.url)
    store = Store.open(f"sqlite+pysqlite:///{paths.database}")
    ws = Workspace(store=store, settings=settings, paths=paths)
    runner = Runner(ws)
    yield AppContext(ws, runner, Operations(ws, runner))
    runner.shutdown()
    store.close()


def rendered_job(ws: Workspace, tmp_path) -> int:
    """One job through every production stage: a real 4-second 9:16 H.264 video (over LinkedIn's
    75 KB minimum), a thumbnail and captions, recorded as the workers record them."""
    video = make_video(tmp_path / "video.mp4", size="108x192", seconds=4.0, pad_to=96 * 1024)
    thumb = tmp_path / "thumb.png"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=108x192",
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
        Stage.RENDER: {"videos": {f: {"path": video.name, "duration": 4.0, "width": 108, "height": 192,
                                      "srt": srt.name} for f in formats}},
    }
    for stage, result in results.items():
        assert ws.store.jobs.claim(job.id, worker="maker") is not None
        ws.store.jobs.record_success(job.id, stage, result, [], "maker")
    return job.id


def connect_all(qtbot, view: accounts_view.AccountsView, oauth_fake) -> None:
    """Connect each platform as the creator would: the view opens the browser, the browser
    consents and follows the redirect to the app's loopback receiver."""
    failures: list[str] = []
    view.connect_failed.connect(failures.append)
    for count, platform in enumerate(PLATFORMS, 1):
        prov = oauth.provider(platform, view.settings)
        oauth_fake.require_pkce = prov.pkce  # LinkedIn and Instagram have none
        # Meta and LinkedIn refuse a loopback redirect: the browser lands on the registered HTTPS
        # address and the creator pastes it into the Accounts view.
        oauth_fake.loopback_allowed = prov.redirect == "loopback"
        oauth_fake.registered_redirects = {prov.registered_redirect} if prov.registered_redirect else set()
        landed: list[str] = []
        browser = play_browser if prov.redirect == "loopback" else (lambda url: landed.append(browser_landing_address(url)))
        worker: threading.Thread = view.start_connect(
            platform, ClientApp(CLIENT_ID, CLIENT_SECRET), open_url=browser, port=0, timeout=15,
            authorize_endpoint=oauth_fake.authorize_url, token_endpoint=oauth_fake.token_url)
        if prov.redirect == "registered":
            qtbot.waitUntil(lambda: failures or (view.paste_row.isVisibleTo(view) and bool(landed)), timeout=20_000)
            view.paste_edit.setText(landed[0])
            view.paste_ok.click()
        qtbot.waitUntil(lambda n=count: failures or view.model.rowCount() == n, timeout=20_000)
        worker.join(timeout=5)
        assert not failures, f"connecting {platform} failed: {failures}"


def test_the_accounts_view_is_in_the_window():
    (spec,) = [spec for spec in VIEWS if spec.name == "Accounts"]
    assert spec.icon == "accounts" and spec.factory is accounts_view.for_window


def test_connect_four_platforms_and_publish_one_job_everywhere(qtbot, ctx, oauth_fake, stand_ins, tmp_path):
    ws, clock = ctx.ws, FakeClock()

    # 1. The Accounts view, as the window builds it, connects one account per platform.
    view = accounts_view.for_window(ctx)
    qtbot.addWidget(view)
    connect_all(qtbot, view, oauth_fake)
    model = view.model
    shown = {model.index(r, 0).data(): (model.index(r, 1).data(), model.index(r, 2).data()) for r in range(model.rowCount())}
    assert shown == {"YouTube": ("Nexus Test Channel", "OK"), "Instagram": ("nexus.test", "OK"),
                     "X": ("@nexus_test", "OK"), "LinkedIn": ("Mara Lindqvist", "OK")}

    # 2. The job is approved (to the default target, the export folder for YouTube), then the
    #    creator ticks the four new accounts in the job's post panel.
    job_id = rendered_job(ws, tmp_path)
    report = schedule.approve_jobs(ws, [job_id], now=clock.now)
    assert len(report.posts) == 1
    panel = JobPostsPanel(ctx)
    qtbot.addWidget(panel)
    panel.show_job(job_id)
    account_targets = {t.id: t for t in schedule.targets(ws).list() if t.account_id is not None}
    assert sorted(t.platform for t in account_targets.values()) == sorted(PLATFORMS)
    qtbot.waitUntil(lambda: set(account_targets) <= set(panel.boxes), timeout=5000)
    for target_id in account_targets:
        panel.boxes[target_id].setChecked(True)
    qtbot.waitUntil(lambda: panel.tabs.count() == 5, timeout=10_000)
    posts = schedule.posts(ws).for_job(job_id)
    assert sorted(p.platform for p in posts) == sorted([*PLATFORMS, "export"])

    # 3. Published now, through the same state machine the scheduler runs (fake clock, no backoff).
    schedule.publish_now(ws, [p.id for p in posts], now=clock.now)
    outcomes = Publishing(ws, clock=clock, backoff=Backoff(base=0)).publish_due()
    assert [(o.post_id, o.outcome, o.message) for o in outcomes if o.outcome is not Outcome.PUBLISHED] == []
    assert len(outcomes) == 5

    # 4. The calendar's week shows five published posts, each with its remote id and link
    #    (the week, because a month cell shows four chips and "+1 more").
    calendar = CalendarView(ctx, scheduler=PostScheduler(ws, clock=clock, backoff=Backoff(base=0)), clock=clock)
    qtbot.addWidget(calendar)
    with qtbot.waitSignal(calendar.refreshed, timeout=10_000):
        calendar.set_mode(WEEK)
    chips = {chip.post.platform: chip.post for chip in calendar.chips()}
    assert sorted(chips) == sorted([*PLATFORMS, "export"]) and len(calendar.chips()) == 5
    for platform, post in chips.items():
        assert post.status is PostStatus.PUBLISHED, (platform, post.status_text)
        assert post.remote_id and post.url.startswith(LINKS[platform]), (platform, post.remote_id, post.url)

    # 5. Each stand-in got exactly one upload, every byte once, and holds the post the app recorded.
    size = (ws.paths.job_dir(job_id) / "video.mp4").stat().st_size
    youtube, instagram, x, linkedin = (stand_ins[p] for p in PLATFORMS)
    assert list(youtube.videos) == [chips["youtube"].remote_id] and youtube.bytes_received == size
    assert list(instagram.media) == [chips["instagram"].remote_id] and len(instagram.containers) == 1
    assert instagram.bytes_received == size
    assert len(x.uploads) == 1 and list(x.tweets) == [chips["x"].remote_id] and x.bytes_received == size
    assert len(linkedin.videos) == 1 and list(linkedin.posts) == [chips["linkedin"].remote_id]
    assert linkedin.bytes_received == size
    (exported,) = ws.paths.exports.iterdir()
    assert chips["export"].url == exported.as_uri() and (exported / "post.json").is_file()


def test_a_connected_account_is_a_target_at_once_and_disconnecting_retires_it(accounts, oauth_fake, platform_store):
    targets = TargetRepo(platform_store.db)
    account_id = seed_account(accounts, oauth_fake, "x", remote_user_id="2244994945", name="@nexus_test")
    (target,) = targets.list()
    assert (target.platform, target.account_id, target.name, target.account_status) == ("x", account_id, "@nexus_test", "connected")
    seed_account(accounts, oauth_fake, "x", remote_user_id="2244994945", name="@nexus_test")  # reconnected
    assert [t.id for t in targets.list()] == [target.id] and targets.ensure_account_targets() == []

    oauth.disconnect(account_id, accounts)
    assert targets.list() == []  # no longer offered: nothing can publish through it
    (kept,) = targets.list(active_only=False)
    assert kept.id == target.id and kept.account_id is None
