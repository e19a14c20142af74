"""Shared by the scheduling, publishing and calendar tests: rendered jobs with real small
videos, a workspace on a chosen store, and a fake clock."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

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
