"""``nexus-desktop --smoke``: proves this copy of the app carries everything it
needs by using it, not just by starting Python.

In a temporary folder and offscreen, it opens a store (running the migrations),
adds the sample feeds, shows the main window for a moment, draws a chart
(QtCharts), finds the keyring's modules, reads a news page with trafilatura, and
takes a one-line article through every production stage with the embedded
defaults: the extractive script writer, Piper's bundled voice, Pillow's cards and
the bundled ffmpeg, rendering a two-second clip in one small format. Then the
system's espeak-ng speaks (when it is installed) and the preview player opens the
clip. Each check uses a part the bundle spec might leave out. One line per check; exit 0 when
all pass, 1 with the failing check's reason otherwise. CI runs it on the frozen
bundle (tests/test_packaging.py), bench/bundle.py reads its window time.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .domain.errors import NexusError
from .domain.stages import Stage

if TYPE_CHECKING:
    from .pipeline.flow import Workspace

SENTENCE = "Nexus Desktop is ready to make videos."
FORMAT = "smoke"  # a custom size, so only one small video is made
WIDTH, HEIGHT = 320, 180
WINDOW_MOMENT_MS = 300
PREVIEW_TIMEOUT_MS = 20_000
_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Smoke check</title><link>https://example.org/</link>
<description>The smoke check's own feed</description><language>en</language>
<item><title>The bundle speaks</title><link>https://example.org/smoke</link><guid>smoke-1</guid>
<description>{sentence}</description></item></channel></rss>
"""


class SmokeFailed(Exception):
    """A check found something missing or wrong; the message says what."""


@dataclasses.dataclass
class _Smoke:
    folder: Path
    verbose: bool = False
    ws: Workspace | None = None  # once the store check opened it
    video: Path | None = None  # the rendered clip
    passed: int = 0


def run_smoke(args: argparse.Namespace) -> int:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    where = f"frozen bundle in {Path(sys.executable).parent}" if getattr(sys, "frozen", False) else "source tree"
    print(f"Nexus Desktop smoke check ({where})", flush=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="nexus-smoke-", ignore_cleanup_errors=True) as folder:
        state = _Smoke(Path(folder), verbose=getattr(args, "verbose", False))
        try:
            for name, check in CHECKS:
                _run_check(name, check, state)
        except SmokeFailed as failure:
            _print_log_tail(state)  # the temporary folder, log included, goes away on return
            print(f"smoke: FAILED: {failure}", file=sys.stderr, flush=True)
            return 1
        finally:
            if state.ws is not None:
                state.ws.store.close()
    print(f"All {state.passed} checks passed in {time.monotonic() - started:.1f} s", flush=True)
    return 0


def _run_check(name: str, check: Callable[[_Smoke], str | None], state: _Smoke) -> None:
    began = time.monotonic()
    try:
        detail = check(state)
    except SmokeFailed as failure:
        raise SmokeFailed(f"{name}: {failure}") from failure
    except NexusError as exc:
        raise SmokeFailed(f"{name}: {exc}") from exc
    except Exception as exc:
        traceback.print_exc()
        raise SmokeFailed(f"{name}: unexpected {type(exc).__name__}: {exc}") from exc
    if detail is not None:
        _report(state, name, detail, time.monotonic() - began)


def _print_log_tail(state: _Smoke, lines: int = 40) -> None:
    if state.ws is None or not state.ws.paths.log_file.is_file():
        return
    tail = state.ws.paths.log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    print("The log's last lines:", *(f"  | {line}" for line in tail), sep="\n", file=sys.stderr)


def _report(state: _Smoke, name: str, detail: str, seconds: float) -> None:
    state.passed += 1
    print(f"  ok  {name:<10} {detail} ({seconds:.1f} s)", flush=True)


def _check_files(state: _Smoke) -> str:
    from .resources import resource_dir, sample_feeds, ui_dir
    from .store.database import MIGRATIONS

    needed = [ui_dir() / "base.qss", resource_dir() / "fonts", resource_dir() / "icons" / "app.svg",
              MIGRATIONS / "env.py", MIGRATIONS / "script.py.mako"]  # fmt: skip
    missing = [str(path) for path in needed if not path.exists()]
    if missing:
        raise SmokeFailed(f"missing {', '.join(missing)}")
    feeds = sample_feeds()
    migrations = sorted((MIGRATIONS / "versions").glob("*.py"))
    if not feeds or not migrations:
        raise SmokeFailed(f"no sample feeds in {resource_dir()} or no migrations in {MIGRATIONS}")
    return f"style sheets, fonts, icons, {len(feeds)} sample feeds, {len(migrations)} migrations"


def _check_store(state: _Smoke) -> str:
    from alembic.runtime.migration import MigrationContext

    from .bootstrap import open_workspace
    from .pipeline.feeds import add_feeds
    from .resources import sample_feeds

    ws = state.ws = open_workspace(str(state.folder / "data"), verbose=state.verbose)
    with ws.store.db.engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
    for path in sample_feeds():
        add_feeds(ws.store, ws.settings, str(path))
    return f"{ws.store.db.engine.dialect.name} at schema {revision}, {len(ws.store.sources.list())} sample feeds added"


def _check_window(state: _Smoke) -> str:
    from PySide6.QtCore import QTimer

    from .gui import qt_messages
    from .gui.main import application, open_window

    app = application()
    qt_messages.route_to_logging()
    window = open_window(state.ws)
    shown: list[float] = []
    cpu: list[float] = []

    def on_shown() -> None:  # the first turn of the event loop: the window is on screen
        if window.isVisible():
            shown.append(_seconds_since_start())
            cpu.append(time.process_time())  # less swayed by a busy machine than the wall clock
        QTimer.singleShot(WINDOW_MOMENT_MS, close)

    def close() -> None:  # as the creator would: the window saves its layout and stops the runner
        window.close()
        app.quit()

    window.show()
    QTimer.singleShot(0, on_shown)
    app.exec()
    if not shown:
        raise SmokeFailed("the main window did not show")
    return f"main window shown {shown[0]:.2f} s after start ({cpu[0]:.2f} s of CPU)"


def _check_ffmpeg(state: _Smoke) -> str:
    from .ffmpeg import ffmpeg_exe

    exe = ffmpeg_exe()
    proc = subprocess.run([exe, "-hide_banner", "-version"], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise SmokeFailed(f"{exe} -version exited with {proc.returncode}: {proc.stderr.strip()[-300:]}")
    return f"{' '.join(proc.stdout.split()[:3])} ({Path(exe).name})"


def _check_job(state: _Smoke) -> None:
    """Every production stage on a one-sentence article, each reported on its own line."""
    from .domain.stages import PRODUCTION
    from .pipeline.feeds import add_feeds
    from .pipeline.flow import run_stage
    from .pipeline.harvest import harvest
    from .settings import CustomSize

    ws = state.ws
    ws.settings.analyze.scenes_min = 1
    ws.settings.render.custom_sizes = [CustomSize(name=FORMAT, width=WIDTH, height=HEIGHT)]
    ws.settings.render.formats = [FORMAT]
    feed = state.folder / "smoke.rss.xml"
    feed.write_text(_FEED.format(sentence=SENTENCE), encoding="utf-8")
    add_feeds(ws.store, ws.settings, str(feed))
    report = harvest(ws.store, ws.settings)
    jobs = [job for job in ws.store.jobs.list() if job.title == "The bundle speaks"]
    if report.failed or len(jobs) != 1:
        raise SmokeFailed(f"harvesting a local feed made {len(jobs)} job(s): {[o.error for o in report.failed]}")
    job_id = jobs[0].id
    for stage in PRODUCTION:
        began = time.monotonic()
        view = run_stage(ws, job_id)
        if view is None or stage not in view.done:
            reason = view.error if view is not None else "the job could not be claimed"
            raise SmokeFailed(f"{stage.value}: {reason}")
        if stage is Stage.ANALYZE:
            _shorten_script(ws, job_id)
        _report(state, stage.value, _STAGE_DETAIL[stage](ws, job_id), time.monotonic() - began)
    state.video = ws.paths.data / ws.store.assets.for_job(job_id, "video")[0].path
    return None


def _check_preview(state: _Smoke) -> str:
    """The preview pane's player opens the clip: Qt's multimedia plugin and its FFmpeg are there."""
    from PySide6.QtCore import QEventLoop, QTimer, QUrl
    from PySide6.QtMultimedia import QMediaPlayer

    player = QMediaPlayer()
    settled = (QMediaPlayer.MediaStatus.LoadedMedia, QMediaPlayer.MediaStatus.InvalidMedia)
    if not player.isAvailable():
        raise SmokeFailed("Qt Multimedia found no backend, so previews cannot play (plugins/multimedia is missing)")
    loop = QEventLoop()
    player.mediaStatusChanged.connect(lambda status: loop.quit() if status in settled else None)
    QTimer.singleShot(PREVIEW_TIMEOUT_MS, loop.quit)
    player.setSource(QUrl.fromLocalFile(str(state.video)))
    if player.mediaStatus() not in settled:
        loop.exec()
    status, seconds = player.mediaStatus(), player.duration() / 1000
    player.setSource(QUrl())
    if status is not QMediaPlayer.MediaStatus.LoadedMedia or seconds <= 0:
        raise SmokeFailed(f"the player could not open {state.video.name}: {status.name} {player.errorString()}")
    return f"the preview player opened {state.video.name} ({seconds:.1f} s)"


_PAGE_SENTENCES = (
    "Engineers at the pilot plant switched on a second production line for solid-state cells this week.",
    "The new line doubles the plant's output and uses a dry electrode process that needs no solvent.",
    "Early cells kept ninety percent of their capacity after eight hundred full charging cycles in tests.",
    "The company says cars with the cells are still at least two years away from the showroom.",
    "Suppliers of lithium metal foil are expanding as well, and prices have fallen for three quarters.",
)


def _article_page() -> str:
    """A news page as sites serve it: menus, a share bar and a footer around the story."""
    story = "".join(f"<p>{' '.join(_PAGE_SENTENCES[i:] + _PAGE_SENTENCES[:i])}</p>" for i in range(3))
    return ("<html lang='en'><head><title>A second pilot line</title><meta property='og:image' "
            "content='https://example.org/img/line.jpg'></head><body><nav><a href='/'>Home</a> <a href='/tech'>Tech</a>"
            "</nav><div class='share'>Share on every network</div><article><h1>A second pilot line</h1>"
            f"{story}<img src='/img/cells.jpg'></article><footer>Cookies, terms and the newsletter</footer></body></html>")


def _check_article(state: _Smoke) -> str:
    """trafilatura reads a page's main text (the article fetch), courlan checks an English address
    with babel's locale data, htmldate and the metadata reader find the lead image."""
    from courlan import check_url

    from .pipeline.article_page import extract

    found = extract(_article_page(), "https://example.org/en/news/second-pilot-line")
    if not found.get("html"):
        raise SmokeFailed(f"trafilatura kept nothing of a plain news page: {found.get('reason')}")
    if "Share on every network" in found["html"] or "Cookies" in found["html"]:
        raise SmokeFailed("trafilatura kept the page's share bar or footer")
    if check_url("https://example.org/en/news/story", language="en") is None:
        raise SmokeFailed("courlan refused an English address (babel's English locale data is missing)")
    return f"main text of a news page kept ({len(found['html'])} characters), lead image {found.get('image') or 'none'}"


def _check_keyring(state: _Smoke) -> str:
    """The keyring and this system's backend modules are in the bundle (a missing one would
    leave the app with no place for keys). Whether a keyring service runs here is the system's business."""
    import keyring.backend

    from . import secrets

    if sys.platform.startswith("linux"):
        import keyring.backends.SecretService  # noqa: F401
        import secretstorage  # noqa: F401  (the Secret Service client, over jeepney's D-Bus)
    elif sys.platform == "win32":
        import keyring.backends.Windows  # noqa: F401
    elif sys.platform == "darwin":
        import keyring.backends.macOS  # noqa: F401
    usable = sorted(type(backend).__name__ for backend in keyring.backend.get_all_keyring())
    status = secrets.status()
    where = f"secrets go to {status.name}" if status.usable else "no keyring service runs here"
    return f"keyring and this system's backends are in; {where} (usable: {', '.join(usable) or 'none'})"


def _check_charts(state: _Smoke) -> str:
    """The Analytics view's QtCharts draws (the bars of its totals), offscreen."""
    from .gui import analytics_charts
    from .store.metrics import Total

    view = analytics_charts.chart_view()
    view.resize(480, 240)
    analytics_charts.bars(view, "Totals", [Total("youtube", 3, 1200, 40, 5, 2, 0, 47), Total("x", 2, 0, 9, 1, 1, 800, 11)])
    image = view.grab().toImage()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 8) for y in range(0, image.height(), 8)}
    if image.isNull() or len(colours) < 3:
        raise SmokeFailed("QtCharts drew nothing")
    return f"a bar chart drawn ({image.width()}x{image.height()}, {len(colours)} colours sampled)"


def _check_espeak(state: _Smoke) -> str:
    """The espeak-ng fallback voice: the system's library and voices (they are not bundled)."""
    from .providers.tts.espeak import EspeakSpeaker

    try:
        speaker = EspeakSpeaker.open("en-us", "en", speed=1.0)
        speech = speaker.speak(SENTENCE.split(), cancelled=lambda: False)
    except Exception as exc:  # no espeak-ng on this system: Piper speaks, as the job check showed
        return f"not on this system ({exc}); the app speaks with Piper"
    if speech.duration <= 0.5:
        raise SmokeFailed(f"espeak-ng spoke only {speech.duration:.2f} s")
    return f"{speech.duration:.1f} s spoken by the system's espeak-ng"


def _shorten_script(ws, job_id: int) -> None:
    """Keep the clip at about two seconds: one scene speaking only the article's
    sentence (the extractive writer adds an introduction and a sign-off). This is
    the creator's own edit path, so narrate and render are redone after it."""
    from .domain.content import Script
    from .domain.stages import REDO_AFTER_NARRATION_EDIT

    script = Script.from_dict(ws.store.jobs.results(job_id)["analyze"]["script"])
    scene = dataclasses.replace(script.scenes[0], narration=SENTENCE)
    short = dataclasses.replace(script, narration=SENTENCE, scenes=(scene,))
    ws.store.jobs.edit_results(job_id, Stage.ANALYZE, {"script": short.to_dict()}, REDO_AFTER_NARRATION_EDIT)


def _analyze_detail(ws, job_id: int) -> str:
    script = ws.store.jobs.results(job_id)["analyze"]["script"]
    return f"script by the {script['provider']} writer, {len(script['titles'])} titles"


def _narrate_detail(ws, job_id: int) -> str:
    narration = ws.store.jobs.results(job_id)["narrate"]["narration"]
    if narration["provider"] != "piper":
        raise SmokeFailed(f"narrate: spoken by {narration['provider']}, not the bundled Piper voice")
    return (f"{narration['duration']:.1f} s spoken by Piper ({narration['voice']}), {len(narration['words'])} word "
            f"timings; {_voice_alignment()}")


def _voice_alignment() -> str:
    """The word timings come from the voice's phoneme alignments. The installed app ships its voice
    patched for them and leaves the ``onnx`` package out (packaging/nexus-desktop.spec): a voice
    shipped unpatched would give each user a 63 MB patched copy in their cache."""
    from .providers.tts import piper_align
    from .providers.tts.piper import _aligned_copy, resolve_model

    model = resolve_model("", None)
    used = _aligned_copy(model)
    if not piper_align.alignment_tensor(used.read_bytes())[1]:
        raise SmokeFailed(f"narrate: the voice {used.name} has no alignment output, so no word timings")
    if not getattr(sys, "frozen", False):
        return "the voice is patched for alignments into the cache"
    if used != model:
        raise SmokeFailed(f"narrate: the bundled voice is not shipped patched for alignments (a copy went to {used})")
    try:
        import onnx  # noqa: F401
    except ImportError:
        return "the voice is shipped patched for alignments (no onnx)"
    raise SmokeFailed("narrate: the onnx package is in the bundle, though nothing needs it")


def _visualize_detail(ws, job_id: int) -> str:
    images = [a for a in ws.store.assets.for_job(job_id) if a.format == FORMAT and a.kind != "video"]
    return f"{len(images)} images for the {WIDTH}x{HEIGHT} format"


def _render_detail(ws, job_id: int) -> str:
    from .ffmpeg import probe

    videos = ws.store.assets.for_job(job_id, "video")
    if len(videos) != 1:
        raise SmokeFailed(f"render: {len(videos)} videos instead of one")
    video = ws.paths.data / videos[0].path
    info = probe(video)
    narration = ws.store.jobs.results(job_id)["narrate"]["narration"]["duration"]
    if info.video is None or info.audio is None or abs(info.duration - narration) > 0.25:
        raise SmokeFailed(f"render: the video has {info} for {narration:.2f} s of narration")
    return (f"{Path(videos[0].path).name}: {info.duration:.1f} s, {info.video.codec} video "
            f"+ {info.audio.codec} audio")  # fmt: skip


_STAGE_DETAIL: dict[Stage, Callable] = {
    Stage.ANALYZE: _analyze_detail,
    Stage.NARRATE: _narrate_detail,
    Stage.VISUALIZE: _visualize_detail,
    Stage.RENDER: _render_detail,
}


def _seconds_since_start() -> float:
    """Since the process started (the bootloader included), where the system says;
    else since Python started."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return uptime - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return time.monotonic() - _IMPORTED_AT


_IMPORTED_AT = time.monotonic()

CHECKS: list[tuple[str, Callable[[_Smoke], str | None]]] = [
    ("files", _check_files),
    ("store", _check_store),
    ("window", _check_window),
    ("charts", _check_charts),
    ("keyring", _check_keyring),
    ("article", _check_article),
    ("ffmpeg", _check_ffmpeg),
    ("job", _check_job),
    ("espeak", _check_espeak),
    ("preview", _check_preview),
]
