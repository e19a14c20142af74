"""Helpers for the runner and window tests; their fixtures are registered in conftest.py (no tests here).

- ``ws``: a workspace on SQLite in the test's folder.
- ``add_jobs`` / ``bulk_jobs``: queued jobs, a few through the store's own path
  or many at once through one bulk insert.
- ``fake_stages``: replaces the production stages with quick ones that report
  progress, honour cancel and fail on request, so runner tests take milliseconds.
- ``rendered_job``: a job waiting for review with a real 9:16 video, narration
  and thumbnails, made with the bundled ffmpeg (once per session, then copied).
- ``screenshot``: saves a widget's picture under the test's folder.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
import wave
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import imageio_ffmpeg
import pytest
from nexus_desktop.domain.content import PlatformText, Scene, Script
from nexus_desktop.domain.errors import UserFixableError
from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.domain.stages import PRODUCTION, Stage
from nexus_desktop.paths import AppPaths
from nexus_desktop.pipeline import flow
from nexus_desktop.pipeline.context import AssetRecord, StageContext, StageOutput
from nexus_desktop.pipeline.flow import Workspace
from nexus_desktop.settings import Settings
from nexus_desktop.store import Store
from nexus_desktop.store.items import NewItem

SOURCE_TITLE = "Tech Digest Weekly"


def screenshot(widget, tmp_path: Path, name: str) -> Path:
    """Save what the widget shows to ``<tmp>/screenshots/<name>.png`` for a reviewer."""
    from PySide6.QtTest import QTest

    folder = tmp_path / "screenshots"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.png"
    QTest.qWait(100)  # let layouts settle around what was just added
    assert widget.grab().save(str(path))
    return path


@pytest.fixture
def ws(tmp_path: Path):
    paths = AppPaths.resolve(tmp_path / "data")
    settings = Settings()
    # The window runs by itself by default; these tests drive it by hand (tests/test_autopilot.py does not).
    settings.harvest.auto_run = False
    settings.harvest.check_every_minutes = 0
    workspace = Workspace(store=Store.for_settings(settings, paths), settings=settings, paths=paths)
    yield workspace
    workspace.store.close()


def new_item(n: int, title: str | None = None) -> NewItem:
    return NewItem(
        guid=f"guid-{n}", link=f"https://techdigest.example.org/{n}", title=title or f"Story number {n}",
        author="Mara Lindqvist", published=None, summary="A summary.", content=f"<p>Body {n}.</p>",
        image_url=None, language="en", content_hash=f"hash-{n}",
    )


@pytest.fixture
def add_jobs(ws: Workspace):
    """add_jobs(n, titles=None, source=SOURCE_TITLE) -> the new jobs' ids."""

    def add(n: int, titles: list[str] | None = None, source: str = SOURCE_TITLE) -> list[int]:
        view, _ = ws.store.sources.add(f"https://{source.lower().replace(' ', '-')}.example.org/feed", source)
        before = {j.id for j in ws.store.jobs.list()}
        start = len(before) + 1
        items = [new_item(start + i, titles[i] if titles else None) for i in range(n)]
        ws.store.items.add_new(view.id, items)
        return [j.id for j in ws.store.jobs.list() if j.id not in before]

    return add


def bulk_insert_jobs(store: Store, n: int, *, sources: tuple[str, ...] = (SOURCE_TITLE, "City Science Notes")) -> None:
    """``n`` jobs in a realistic mix (new, to review, approved, failed while narrating),
    written straight through SQLite's executemany: 100,000 take about a second."""
    start = datetime(2026, 1, 1)
    kinds = [
        ("queued", "analyze", ["harvest"], None),
        ("awaiting_review", "review", ["harvest", "analyze", "narrate", "visualize", "render"], None),
        ("approved", "schedule", ["harvest", "analyze", "narrate", "visualize", "render", "review"], None),
        ("failed", "narrate", ["harvest", "analyze"], "the voice model is missing — reinstall the app"),
    ]
    done_json = [json.dumps(k[2]) for k in kinds]
    stamp = [(start + timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M:%S.%f") for i in range(n + 1)]
    items = [(i, f"Story number {i}", f"https://example.org/{i}", f"h{i}", "", "", "", stamp[i]) for i in range(1, n + 1)]
    jobs = []
    for i in range(1, n + 1):
        status, stage, _, error = kinds[i % len(kinds)]
        jobs.append((i, i, f"Story number {i}", sources[i % len(sources)], status, stage, done_json[i % len(kinds)],
                     "{}", "{}", error, 0, "", 0, stamp[i], stamp[i]))
    assert store.db.engine.dialect.name == "sqlite"
    raw = store.db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN")
        cursor.executemany("INSERT INTO items (id, title, link, content_hash, summary, content, author, created_at) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", items)
        cursor.executemany("INSERT INTO jobs (id, item_id, title, source_title, status, stage, done, results, errors, "
                           "error, progress, progress_message, attempts, created_at, updated_at) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", jobs)
        cursor.execute("COMMIT")
    finally:
        raw.close()


@pytest.fixture
def bulk_jobs(ws: Workspace):
    return lambda n: bulk_insert_jobs(ws.store, n)


# -- quick stand-ins for the production stages ---------------------------------------------------


@dataclass
class FakeStages:
    """What the fake stages do: how long a stage takes, how often it reports, what fails."""

    seconds: float = 0.0
    reports: int = 3
    fail_at: dict[int, Stage] = field(default_factory=dict)  # job id -> the stage that fails
    started: threading.Event = field(default_factory=threading.Event)
    calls: list[tuple[int, Stage]] = field(default_factory=list)

    def function(self, stage: Stage):
        def run(ctx: StageContext) -> StageOutput:
            self.calls.append((ctx.job_id, stage))
            self.started.set()
            if self.fail_at.get(ctx.job_id) is stage:
                raise UserFixableError("feed returned 404", hint="check the feed address")
            deadline = time.monotonic() + self.seconds
            for n in range(self.reports):
                ctx.check_cancelled()
                ctx.progress(100 * n / max(1, self.reports), f"{stage.value} step {n}")
            while time.monotonic() < deadline:
                ctx.check_cancelled()
                time.sleep(0.01)
            return StageOutput(results={"fake": stage.value})

        return run


@pytest.fixture
def fake_stages(monkeypatch):
    stages = FakeStages()
    monkeypatch.setattr(flow, "stage_function", stages.function)
    return stages


# -- a job with real media ---------------------------------------------------------------------------------


def ffmpeg(*args: str) -> None:
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", *args], check=True)


def sample_script() -> Script:
    scenes = (
        Scene("A second pilot line for solid-state cells opened this week.", "Second pilot line opens", ("battery",)),
        Scene("Early cells kept most of their capacity after many cycles.", "Cells keep their charge", ("cycles",)),
    )
    return Script(
        title="Solid-state batteries reach a second pilot line",
        summary="A second pilot line doubles test output.",
        narration=" ".join(s.narration for s in scenes),
        scenes=scenes,
        titles=("Solid-state cells get a second line", "Batteries: a second pilot line", "Why the new line matters"),
        description="A second pilot line for solid-state battery cells opened this week.",
        hashtags=("#Batteries", "#Energy"),
        platforms=PlatformText(
            youtube_title="Solid-state cells get a second pilot line",
            youtube_description="What the new line changes.",
            x_post="A second pilot line for solid-state cells opened this week. #Batteries",
            instagram_caption="Solid-state cells, one step closer. #Batteries #Energy",
            linkedin_post="A second pilot line for solid-state battery cells opened this week.",
        ),
    )


SIZES = {"16x9": (192, 108), "9x16": (108, 192), "1x1": (144, 144)}
VIDEO_SECONDS = 2.0


def make_media(job_dir: Path, seconds: float = VIDEO_SECONDS) -> tuple[dict, dict, dict]:
    """Narration, thumbnails and videos like the real stages make; returns their results."""
    (job_dir / "videos").mkdir(parents=True, exist_ok=True)
    (job_dir / "thumbnails").mkdir(exist_ok=True)
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency=330:duration={seconds}", "-ar", "22050", str(job_dir / "narration.wav"))
    with wave.open(str(job_dir / "narration.wav")) as w:
        duration = w.getnframes() / w.getframerate()
    narration = {"audio_path": "narration.wav", "duration": duration, "words": [], "provider": "test", "voice": "sine",
                 "sample_rate": 22050}
    thumbs, videos = {}, {}
    colours = {"16x9": "0x1E6BFF", "9x16": "0xFFB020", "1x1": "0x2BB673"}
    for name, (w, h) in SIZES.items():
        thumb = f"thumbnails/thumb-{name}.jpg"
        ffmpeg("-f", "lavfi", "-i", f"color=c={colours[name]}:s={w * 4}x{h * 4}", "-frames:v", "1", str(job_dir / thumb))
        thumbs[name] = thumb
        video = f"videos/{name}.mp4"
        ffmpeg("-f", "lavfi", "-i", f"testsrc2=s={w}x{h}:r=15:d={seconds}", "-i", str(job_dir / "narration.wav"),
               "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
               str(job_dir / video))
        videos[name] = {"path": video, "duration": seconds, "width": w, "height": h, "srt": None, "vtt": None}
    return {"narration": narration}, {"thumbnails": thumbs}, {"videos": videos}


def finish_stages(ws: Workspace, job_id: int, results: dict[Stage, dict], assets: dict[Stage, tuple] | None = None) -> None:
    """Walk a queued job through the production stages with the given results."""
    for stage in PRODUCTION:
        claimed = ws.store.jobs.claim(job_id, worker="tests")
        assert claimed is not None and claimed.stage is stage
        ws.store.jobs.record_success(job_id, stage, results[stage], (assets or {}).get(stage, ()), "tests")


@pytest.fixture(scope="session")
def media_template(tmp_path_factory) -> tuple[Path, tuple[dict, dict, dict]]:
    folder = tmp_path_factory.mktemp("media")
    return folder, make_media(folder)


@pytest.fixture
def rendered_job(ws: Workspace, add_jobs, media_template) -> int:
    (job_id,) = add_jobs(1, ["Solid-state batteries reach a second pilot line"])
    job_dir = ws.paths.job_dir(job_id)
    template, (narrate, visualize, render) = media_template
    shutil.copytree(template, job_dir, dirs_exist_ok=True)
    rel = job_dir.relative_to(ws.paths.data).as_posix()
    videos = tuple(
        AssetRecord("video", f"{rel}/{v['path']}", format=name, duration=v["duration"])
        for name, v in render["videos"].items()
    )
    results = {Stage.ANALYZE: {"script": sample_script().to_dict()}, Stage.NARRATE: narrate,
               Stage.VISUALIZE: visualize, Stage.RENDER: render}
    finish_stages(ws, job_id, results, {Stage.RENDER: videos})
    assert ws.store.jobs.get(job_id).status is JobStatus.AWAITING_REVIEW
    return job_id


def wait_for_reads(qtbot, window) -> None:
    """The window reads in the runner (never on the GUI thread): wait until the jobs table and
    the preview show what the store holds."""
    view = window.jobs_view
    qtbot.waitUntil(lambda: not view.model.reading and view.preview.up_to_date, timeout=10_000)


def select_job(qtbot, window, job_id: int) -> None:
    """Select a job in the Jobs view once its row is read, and wait until the preview shows it."""
    view = window.jobs_view
    qtbot.waitUntil(lambda: view.model.row_of(job_id) is not None, timeout=10_000)
    assert view.select_job(job_id)
    qtbot.waitUntil(lambda: view.preview.job_id == job_id and view.preview.up_to_date, timeout=10_000)


@pytest.fixture
def reviewing(qtbot, ws: Workspace, rendered_job: int):
    """The window open with the rendered job read and shown in the preview (qtbot closes it)."""
    from nexus_desktop.gui.main import open_window
    from nexus_desktop.runtime.events import Changed

    window = open_window(ws)
    qtbot.addWidget(window)
    window.show()
    window.ctx.runner.announce(Changed(added=True))
    select_job(qtbot, window, rendered_job)
    return window
