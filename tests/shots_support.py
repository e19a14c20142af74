"""Helpers for the shot-steering tests (tests/test_shot_steering.py, tests/test_gui_shot_list.py):
a job whose script and voice are done, so its pictures and videos are made for real
(bundled ffmpeg, one small 9:16 format at 12 fps to stay quick). No tests here."""

from __future__ import annotations

import io
import subprocess

from PIL import Image

from nexus_desktop.domain.content import Narration
from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.domain.shots import ShotPlan
from nexus_desktop.domain.stages import Stage
from nexus_desktop.pipeline import flow, shot_edits
from nexus_desktop.pipeline.media_probe import ffmpeg_exe
from nexus_desktop.settings import CustomSize
from nexus_desktop.store.items import NewItem
from tests import visualize_support

SENTENCES = [
    "Engineers opened a second pilot line for solid-state battery cells this week.",
    "The line doubles the number of cells the team can test each month.",
    "The cells kept 91 percent of their capacity after 800 cycles.",
    "“We finally have a stack that survives real driving,” said Lena Ortiz, the lead engineer.",
    "Volume production is still at least two years away.",
]
TITLE = "Solid-state batteries reach a second pilot line"


def script_dict() -> dict:
    scenes = [{"narration": s, "headline": f"Headline {i}", "keywords": ["battery"] if i == 0 else []}
              for i, s in enumerate(SENTENCES)]
    return {"title": TITLE, "summary": "A summary.", "narration": " ".join(SENTENCES), "scenes": scenes,
            "titles": [TITLE], "description": "d", "hashtags": ["#batteries"],
            "platforms": {"youtube_title": TITLE, "youtube_description": "d", "x_post": "x",
                          "instagram_caption": "c", "linkedin_post": "l"}, "language": "en"}


def narration_for(text: str, per_word: float = 0.3) -> Narration:
    return visualize_support.narration_for(text, per_word, pause=0.3)


def photo_jpeg(colour, size=(900, 600)) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, colour)
    for x in range(0, size[0], 60):  # some edges, so the photo has a focus and a score
        image.paste((255, 255, 255), (x, 100, x + 20, 500))
    image.save(buffer, "JPEG")
    return buffer.getvalue()


def quick_render(ws):
    """One small 9:16 format at 12 fps: a real render in a few seconds."""
    ws.settings.render.custom_sizes = [CustomSize(name="s9x16", width=180, height=320)]
    ws.settings.render.formats = ["s9x16"]
    ws.settings.render.fps = 12
    return ws


def make_job(ws, *, images: tuple[str, ...] = (), narration: Narration | None = None) -> int:
    """A job whose script and voice are done; its pictures and videos are made for real."""
    # a feed served from this computer may show pictures served from here (the test's image server)
    feed = images[0].rsplit("/", 1)[0] + "/feed.xml" if images else "https://techdigest.example.org/feed"
    source, _ = ws.store.sources.add(feed, "Tech Digest Weekly")
    n = len(ws.store.jobs.list()) + 1
    content = "<p>Body.</p>" + "".join(f'<img src="{url}">' for url in images)
    ws.store.items.add_new(source.id, [NewItem(f"g{n}", f"https://techdigest.example.org/{n}", TITLE, "Mara", None,
                                               "s", content, None, "en", f"h{n}")])
    job_id = ws.store.jobs.list()[-1].id
    narration = narration or narration_for(" ".join(SENTENCES))
    voice = ws.paths.job_dir(job_id) / "narration" / "voice.wav"
    voice.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"anoisesrc=d={narration.duration}:c=pink:r=22050:a=0.2", "-ac", "1", str(voice)], check=True)
    for stage, results in ((Stage.ANALYZE, {"script": script_dict()}),
                           (Stage.NARRATE, {"narration": narration.to_dict()})):
        assert ws.store.jobs.claim(job_id, worker="tests").stage is stage
        ws.store.jobs.record_success(job_id, stage, results, (), "tests")
    return job_id


def make_videos(ws, job_id: int) -> None:
    view = flow.run_job(ws, job_id)
    assert view.status is JobStatus.AWAITING_REVIEW, view.error


def plan_of(ws, job_id: int) -> ShotPlan:
    return ShotPlan.from_dict(ws.store.jobs.results(job_id)["visualize"]["plan"])


def video_of(ws, job_id: int):
    entry = ws.store.jobs.results(job_id)["render"]["videos"]["s9x16"]
    return ws.paths.job_dir(job_id) / entry["path"]


def number_of(shots: shot_edits.ShotList, kind: str) -> int:
    return next(r.number for r in shots.rows if r.shot.kind == kind and not r.removed)
