"""Issue 6, done: from the Accounts view a creator connects YouTube, Instagram, X and LinkedIn
against the local stand-ins (the test plays the browser on the loopback redirect), sends one
sample job to all four and to the export folder, and sees five published posts, each with its
remote id and link, in the app. Each stand-in received exactly one upload."""

from __future__ import annotations

import pytest

from nexus_desktop.gui import accounts_view
from nexus_desktop.gui.calendar_post_editor import JobPostsPanel
from nexus_desktop.gui.main_window import VIEWS
from nexus_desktop.pipeline import schedule
from nexus_desktop.providers.platforms import oauth
from nexus_desktop.settings import Settings
from nexus_desktop.store.targets import TargetRepo
from tests.fakes.accounts_env import accounts, memory_keyring, oauth_fake, platform_store, seed_account  # noqa: F401 (fixtures)
from tests.fakes.instagram_server import FakeInstagram
from tests.fakes.linkedin_server import FakeLinkedIn
from tests.fakes.x_server import FakeX
from tests.fakes.youtube_server import FakeYouTube
from tests.publish_support import FakeClock, app_context, connect_through_oauth, publish_now_and_open_week, rendered_video_job

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
    """The app as it starts, each adapter pointed at its stand-in."""
    settings = Settings()
    settings.schedule.default_targets = ["export:youtube"]
    for platform, fake in stand_ins.items():
        setattr(settings.publish, f"{platform}_base_url", fake.url)
    with app_context(tmp_path, settings) as ctx:
        yield ctx


def test_the_accounts_view_is_in_the_window():
    (spec,) = [spec for spec in VIEWS if spec.name == "Accounts"]
    assert spec.icon == "accounts" and spec.factory is accounts_view.for_window


def test_connect_four_platforms_and_publish_one_job_everywhere(qtbot, ctx, oauth_fake, stand_ins, tmp_path):
    ws, clock = ctx.ws, FakeClock()

    # 1. The Accounts view, as the window builds it, connects one account per platform.
    view = accounts_view.for_window(ctx)
    qtbot.addWidget(view)
    connect_through_oauth(qtbot, view, oauth_fake, PLATFORMS)
    model = view.model
    shown = {model.index(r, 0).data(): (model.index(r, 1).data(), model.index(r, 2).data()) for r in range(model.rowCount())}
    assert shown == {"YouTube": ("Nexus Test Channel", "OK"), "Instagram": ("nexus.test", "OK"),
                     "X": ("@nexus_test", "OK"), "LinkedIn": ("Mara Lindqvist", "OK")}

    # 2. The job is approved (to the default target, the export folder for YouTube), then the
    #    creator ticks the four new accounts in the job's post panel.
    job_id = rendered_video_job(ws, tmp_path, size="108x192")
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

    # 3. Published now, through the same state machine the scheduler runs; 4. the calendar's week
    #    shows five published posts, each with its remote id and link.
    chips, _ = publish_now_and_open_week(qtbot, ctx, clock, posts, LINKS)

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
