"""Three formats side by side: does the window keep up while all three play?

Full-size videos like the render makes (1920x1080, 1080x1920 and 1080x1080 at
30 fps, H.264) play together in the preview's "All three" grid for a few seconds,
in a window of a usual size. Printed: the frames each pane received and painted
per second, how far apart the three stayed (largest spread of their positions,
sampled every 100 ms), the largest event-loop gap on the main thread (a precise
5 ms timer, as in bench/ui_responsiveness.py) and the CPU time per
second of playing taken on the window's own thread. The single player playing the 9:16 video alone is measured
the same way, as the baseline. The offscreen platform has no screen to paint
on, so each picture pane is grabbed (painted into an image) 30 times a second,
the work a screen would ask of it.

Targets: the largest event-loop gap under 50 ms (issue 13); the three within
IN_STEP_MS of each other most of the time.

    .venv/bin/python bench/format_grid.py [seconds]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import imageio_ffmpeg  # noqa: E402
from PySide6.QtCore import QElapsedTimer, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from nexus_desktop.gui.format_grid import IN_STEP_MS, FormatGrid  # noqa: E402
from nexus_desktop.gui.video_player import VideoPlayer  # noqa: E402

SIZES = {"16x9": (1920, 1080), "9x16": (1080, 1920), "1x1": (1080, 1080)}
FPS, TICK_MS, TARGET_MS = 30, 5, 50


def make_videos(folder: Path, seconds: float) -> dict[str, Path]:
    videos = {}
    for name, (w, h) in SIZES.items():
        path = folder / f"{name}.mp4"
        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi",
                        "-i", f"testsrc2=s={w}x{h}:r={FPS}:d={seconds + 2}", "-c:v", "libx264", "-preset", "ultrafast",
                        "-pix_fmt", "yuv420p", "-g", str(FPS * 2), str(path)], check=True)
        videos[name] = path
    return videos


class Meter:
    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.timer = QTimer(interval=TICK_MS, timerType=Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._on_tick)
        self.gaps: list[float] = []

    def start(self) -> None:
        self.clock.start()
        self.timer.start()

    def _on_tick(self) -> None:
        self.gaps.append(self.clock.nsecsElapsed() / 1e6)
        self.clock.restart()


def play(app: QApplication, widget, start, seconds: float, sample=None) -> tuple[Meter, float, float, list[int]]:
    """Play for ``seconds``; the meter, the wall and main-thread CPU seconds it took, and samples taken every 100 ms."""
    meter, samples = Meter(), []
    sampler = QTimer(interval=100)
    if sample is not None:
        sampler.timeout.connect(lambda: samples.append(sample()))
    wall, cpu = time.perf_counter(), time.thread_time()  # the window's own thread: what playing costs it
    meter.start()
    sampler.start()
    start()
    QTimer.singleShot(int(seconds * 1000), app.quit)
    app.exec()
    meter.timer.stop()
    sampler.stop()
    return meter, time.perf_counter() - wall, time.thread_time() - cpu, samples


def gap_line(what: str, meter: Meter, wall: float, cpu: float) -> str:
    gaps = meter.gaps[5:]  # the first ticks include setting the players going
    p99 = statistics.quantiles(gaps, n=100)[98]
    return (f"{what:<18} largest gap {max(gaps):6.1f} ms  p99 {p99:5.1f} ms  median {statistics.median(gaps):4.1f} ms  "
            f"window thread CPU {cpu / wall * 1000:4.0f} ms per s")


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 8.0
    app = QApplication.instance() or QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as tmp:
        print(f"making three {seconds + 2:.0f} s videos at full size…", flush=True)
        videos = make_videos(Path(tmp), seconds)
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

        single = VideoPlayer()
        single.resize(900, 700)
        single.show()
        single.load({"9x16": videos["9x16"]}, {}, None)
        QTimer.singleShot(1500, app.quit)  # let it load
        app.exec()
        frames: list[int] = []
        single.video_sink().videoFrameChanged.connect(lambda f: frames.append(1))
        meter, wall, cpu, _ = play(app, single, single.toggle_play, seconds)
        single.stop()
        print(gap_line("one format", meter, wall, cpu) + f"  {len(frames) / wall:4.1f} frames/s")
        single.close()

        grid = FormatGrid()
        grid.resize(1280, 560)
        grid.show()
        grid.load(videos, {})
        QTimer.singleShot(1500, app.quit)
        app.exec()
        screen = QTimer(interval=1000 // FPS)
        for pane in grid.panes.values():
            screen.timeout.connect(pane.grab)
        screen.start()
        spread = lambda: max(grid.positions().values()) - min(grid.positions().values())  # noqa: E731
        meter, wall, cpu, spreads = play(app, grid, grid.play, seconds, spread)
        screen.stop()
        grid.stop()
        print(gap_line("all three", meter, wall, cpu))
        for name, pane in grid.panes.items():
            print(f"  {name:<5} {pane.frames_shown / wall:5.1f} frames/s received, {pane.frames_painted / wall:5.1f} painted")
        steady = spreads[10:] or spreads
        print(f"  positions apart: median {statistics.median(steady):.0f} ms, largest {max(steady):.0f} ms "
              f"(steered back beyond {IN_STEP_MS} ms)")
        largest = max(meter.gaps[5:])
        print(f"largest event-loop gap with all three playing: {largest:.1f} ms   target < {TARGET_MS} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
