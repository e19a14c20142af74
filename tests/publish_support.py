"""Shared by the scheduling, publishing and calendar tests: rendered jobs with real small
videos, a workspace on a chosen store, a fake clock, and the app connecting accounts and
publishing one job everywhere."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import pytest

from nexus_desktop.domain.content import PlatformText, Scene, Script
from nexus_desktop.domain import jobs as job_states
from nexus_desktop.domain.stages import PRODUCTION, Stage
from nexus_desktop.paths import AppPaths
from nexus_desktop.pipeline.flow import Workspace
from nexus_desktop.settings import Settings
from nexus_desktop.store import Store
from nexus_desktop.store.items import NewItem
from nexus_desktop.store.jobs import apply_state
from nexus_desktop.store.models import Job

ZONE = "Europe/Berlin"
# A Monday morning in winter (UTC+1 in Berlin).
MONDAY = datetime(2026, 11, 23, 7, 0, tzinfo=timezone.utc)
BULK = 10  # above this many jobs, their stage results are written in one transaction


@dataclass
class FakeClock:
    now: datetime = MONDAY

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> dict[str, Path]:
    """A one-second video, a thumbnail and captions, made once with the bundled ffmpeg."""
    folder = tmp_path_factory.mktemp("media")
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    video, thumb = folder / "video.mp4", folder / "thumb.png"
    subprocess.run([ffmpeg, "-v", "error", "-f", "lavfi", "-i", "color=c=blue:s=64x36:d=1:r=10", "-c:v", "libx264",
                    "-pix_fmt", "yuv420p", str(video)], check=True, timeout=60)
    subprocess.run([ffmpeg, "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=64x36", "-frames:v", "1", str(thumb)],
                   check=True, timeout=60)
    srt, vtt = folder / "captions.srt", folder / "captions.vtt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nHello\n", encoding="utf-8")
    vtt.write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n", encoding="utf-8")
    return {"video": video, "thumb": thumb, "srt": srt, "vtt": vtt}


def script_for(n: int) -> Script:
    title = f"Story number {n}: batteries/cells?"
    return Script(
        title=title, summary="A summary.", narration="Some narration.", scenes=(Scene("Some narration.", "Head"),),
        titles=(title, "Alt title"), description=f"Description of story {n}.", hashtags=("battery", "#science"),
        platforms=PlatformText(youtube_title=f"YT {n}", youtube_description=f"YT description {n}", x_post=f"X post {n}",
                               instagram_caption=f"IG caption {n}", linkedin_post=f"LinkedIn post {n}"),
    )


def rendered_jobs(store: Store, paths: AppPaths, media: dict[str, Path], count: int, *, start: int = 1) -> list[int]:
    """``count`` jobs that went through every production stage and wait for review."""
    source, _ = store.sources.add(f"https://example.org/feed-{start}", "Example")
    store.items.add_new(source.id, [
        NewItem(guid=f"g{n}", link=f"https://example.org/{n}", title=f"Story {n}", author="A", published=None,
                summary="s", content="c", image_url=None, language="en", content_hash=f"h{n}")
        for n in range(start, start + count)
    ])
    ids = sorted(j.id for j in store.jobs.list() if j.title in {f"Story {n}" for n in range(start, start + count)})
    made: dict[int, dict] = {}
    for job_id in ids:
        job_dir = paths.job_dir(job_id)
        for name in ("video", "thumb", "srt", "vtt"):
            target = job_dir / media[name].name
            if not target.exists():
                shutil.copyfile(media[name], target)
        n = int(store.jobs.get(job_id).title.split()[-1])
        results = {
            Stage.ANALYZE: {"script": script_for(n).to_dict()},
            Stage.NARRATE: {"narration": {}},
            Stage.VISUALIZE: {"thumbnails": {f: "thumb.png" for f in ("16x9", "9x16", "1x1")}},
            Stage.RENDER: {"videos": {f: {"path": "video.mp4", "duration": 1.0, "width": 64, "height": 36,
                                          "srt": "captions.srt", "vtt": "captions.vtt"} for f in ("16x9", "9x16", "1x1")}},
        }
        if count <= BULK:
            for stage, result in results.items():
                assert store.jobs.claim(job_id, worker="maker") is not None
                store.jobs.record_success(job_id, stage, result, [], "maker")
        else:
            made[job_id] = {stage.value: result for stage, result in results.items()}
    if made:
        _record_all(store, made)
    return ids


def _record_all(store: Store, made: dict[int, dict]) -> None:
    """Many jobs at once: the same end state as claim + record_success per stage, in one transaction."""
    with store.db.write() as session:
        for job_id, results in made.items():
            job = session.get(Job, job_id)
            state = job_states.created()
            for stage in PRODUCTION:
                state = job_states.stage_succeeded(job_states.start(state), stage)
            apply_state(job, state)
            job.results = results


def workspace(store: Store, tmp_path: Path, **schedule) -> Workspace:
    settings = Settings()
    settings.schedule.timezone = ZONE
    for key, value in schedule.items():
        setattr(settings.schedule, key, value)
    return Workspace(store=store, settings=settings, paths=AppPaths.resolve(tmp_path / "data"))


@pytest.fixture
def sqlite_store(tmp_path):
    opened = Store.open(f"sqlite+pysqlite:///{tmp_path / 'nexus.sqlite3'}")
    yield opened
    opened.close()


def dead_worker() -> str:
    """host:pid of a process that has ended: a claim of an instance that died."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    return f"{socket.gethostname()}:{done.stdout.strip()}"


# -- one job published everywhere from the window (test_publish_everywhere, test_publish_nine_networks) --


def rendered_video_job(ws: Workspace, tmp_path: Path, *, size: str) -> int:
    """One job through every production stage: a real 4-second 9:16 H.264 video of ``size``
    (padded over LinkedIn's 75 KB minimum), a thumbnail and captions, recorded as the workers
    record them, the same files for every format."""
    from tests.fakes.accounts_env import make_video

    width, height = (int(n) for n in size.split("x"))
    video = make_video(tmp_path / "video.mp4", size=size, seconds=4.0, pad_to=96 * 1024)
    thumb = tmp_path / "thumb.png"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", f"color=c=red:s={size}",
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
        Stage.RENDER: {"videos": {f: {"path": video.name, "duration": 4.0, "width": width, "height": height,
                                      "srt": srt.name} for f in formats}},
    }
    for stage, result in results.items():
        assert ws.store.jobs.claim(job.id, worker="maker") is not None
        ws.store.jobs.record_success(job.id, stage, result, [], "maker")
    return job.id


@contextmanager
def app_context(tmp_path: Path, settings: Settings) -> Iterator[Any]:
    """The app as it starts (an ``AppContext``): its store in the data folder, these settings."""
    from nexus_desktop.gui.app_context import AppContext
    from nexus_desktop.gui.operations import Operations
    from nexus_desktop.runtime.runner import Runner

    paths = AppPaths.resolve(tmp_path / "data")
    settings.schedule.timezone = ZONE
    store = Store.open(f"sqlite+pysqlite:///{paths.database}")
    ws = Workspace(store=store, settings=settings, paths=paths)
    runner = Runner(ws)
    try:
        yield AppContext(ws, runner, Operations(ws, runner))
    finally:
        runner.shutdown()
        store.close()


def connect_through_oauth(qtbot, view: Any, oauth_fake: Any, platforms: tuple[str, ...]) -> None:
    """Connect each platform from the Accounts view as the creator would, against the fake OAuth
    server: the view opens the browser, which consents and follows the redirect to the app's
    loopback receiver; Meta and LinkedIn refuse a loopback redirect, so there the browser lands on
    the registered HTTPS address and the creator pastes it into the view."""
    from nexus_desktop.providers.platforms import oauth
    from tests.fakes.accounts_env import CLIENT_ID, CLIENT_SECRET
    from tests.fakes.oauth_server import browser_landing_address, play_browser

    failures: list[str] = []
    view.connect_failed.connect(failures.append)
    for platform in platforms:
        prov = oauth.provider(platform, view.settings)
        oauth_fake.require_pkce = prov.pkce  # LinkedIn and the Graph networks have none
        oauth_fake.loopback_allowed = prov.redirect == "loopback"
        oauth_fake.registered_redirects = {prov.registered_redirect} if prov.registered_redirect else set()
        before = view.model.rowCount()
        landed: list[str] = []
        browser = play_browser if prov.redirect == "loopback" else (lambda url: landed.append(browser_landing_address(url)))
        worker: threading.Thread = view.start_connect(
            platform, oauth.ClientApp(CLIENT_ID, CLIENT_SECRET), open_url=browser, port=0, timeout=15,
            authorize_endpoint=oauth_fake.authorize_url, token_endpoint=oauth_fake.token_url)
        if prov.redirect == "registered":
            qtbot.waitUntil(lambda: bool(failures) or (view.paste_row.isVisibleTo(view) and bool(landed)), timeout=20_000)
            view.paste_edit.setText(landed[0])
            view.paste_ok.click()
        qtbot.waitUntil(lambda n=before: bool(failures) or view.model.rowCount() == n + 1, timeout=20_000)
        worker.join(timeout=5)
        assert not failures, f"connecting {platform} failed: {failures}"


def publish_now_and_open_week(qtbot, ctx: Any, clock: FakeClock, posts: list, links: dict[str, str]) -> tuple[dict, Any]:
    """Publish ``posts`` now through the same state machine the scheduler runs (fake clock, no
    backoff), then open the calendar's week (a month cell shows four chips and "+N more"). Every
    post is published, and the week shows each with its remote id and a link of its platform.
    Returns the calendar's posts by platform, and the calendar."""
    from nexus_desktop.domain.posts import PostStatus
    from nexus_desktop.gui.calendar_view import WEEK, CalendarView
    from nexus_desktop.pipeline import schedule
    from nexus_desktop.pipeline.publish import Backoff, Outcome, Publishing
    from nexus_desktop.runtime.scheduler import PostScheduler

    ws = ctx.ws
    schedule.publish_now(ws, [p.id for p in posts], now=clock.now)
    outcomes = Publishing(ws, clock=clock, backoff=Backoff(base=0)).publish_due()
    assert [(o.post_id, o.outcome, o.message) for o in outcomes if o.outcome is not Outcome.PUBLISHED] == []
    assert len(outcomes) == len(posts)

    calendar = CalendarView(ctx, scheduler=PostScheduler(ws, clock=clock, backoff=Backoff(base=0)), clock=clock)
    qtbot.addWidget(calendar)
    with qtbot.waitSignal(calendar.refreshed, timeout=10_000):
        calendar.set_mode(WEEK)
    chips = {chip.post.platform: chip.post for chip in calendar.chips()}
    assert sorted(chips) == sorted(p.platform for p in posts) and len(calendar.chips()) == len(posts)
    for platform, post in chips.items():
        assert post.status is PostStatus.PUBLISHED, (platform, post.status_text)
        assert post.remote_id and post.url.startswith(links[platform]), (platform, post.remote_id, post.url)
    return chips, calendar


def race_for_claims(store: Store, claim: Callable[[Any, str], Any], instances: int = 6) -> list[int]:
    """``instances`` app instances, each with its own connection to ``store``'s database, start
    at once and claim with ``claim(repo, worker_name)`` until nothing is left: the post ids each
    claim got, in one list (a post claimed twice appears twice)."""
    from nexus_desktop.store.posts import PostRepo

    others = [Store.open(store.db.engine.url.render_as_string(hide_password=False)) for _ in range(instances)]
    claims: list[int] = []
    barrier = threading.Barrier(len(others))

    def race(other: Store, name: str) -> None:
        barrier.wait()
        while (claimed := claim(PostRepo(other.db), name)) is not None:
            claims.append(claimed.post.id)

    threads = [threading.Thread(target=race, args=(s, f"instance-{i}")) for i, s in enumerate(others)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in others:
        s.close()
    return claims
