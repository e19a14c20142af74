"""How long opening Settings holds the window's thread, and how long when a narration is
using espeak-ng at that moment (it holds the engine's lock while it speaks a passage;
listing espeak-ng's voices waits for that lock).

Prints the median GUI-thread wall and CPU time of constructing the dialog (5 runs after a
first that loads the libraries), when its voice list arrives, and the wall time with the
engine held for 1 s by another thread (as a passage being spoken).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/settings_open.py
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HOLD_S = 1.0


def main() -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from nexus_desktop.gui.settings_dialog import SettingsDialog
    from nexus_desktop.gui.voice_picker import VoicePicker
    from nexus_desktop.paths import AppPaths
    from nexus_desktop.providers.tts import espeak
    from nexus_desktop.settings import Settings

    paths = AppPaths.resolve(Path(tempfile.mkdtemp()) / "data")
    walls, cpus, listed = [], [], []
    for n in range(6):
        r0, t0 = resource.getrusage(resource.RUSAGE_THREAD), time.perf_counter()
        dialog = SettingsDialog(Settings(), paths)
        t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_THREAD)
        picker = dialog.findChild(VoicePicker)
        while not any(v.provider == "espeak" for v in picker.model.voices):
            app.processEvents()
            time.sleep(0.001)
        if n:  # the first includes imports and loading libespeak-ng
            walls.append((t1 - t0) * 1000)
            cpus.append((r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * 1000)
            listed.append((time.perf_counter() - t0) * 1000)
        dialog.deleteLater()
        app.processEvents()
    print(f"open Settings: GUI thread {statistics.median(walls):.0f} ms wall, {statistics.median(cpus):.0f} ms CPU; "
          f"voices listed after {statistics.median(listed):.0f} ms (median of {len(walls)})")

    held = threading.Event()

    def speaking() -> None:
        with espeak._engine.lock:
            held.set()
            time.sleep(HOLD_S)

    threading.Thread(target=speaking).start()
    held.wait()
    t0 = time.perf_counter()
    dialog = SettingsDialog(Settings(), paths)
    print(f"open Settings while espeak-ng speaks a passage ({HOLD_S:.0f} s): GUI thread {(time.perf_counter() - t0) * 1000:.0f} ms")
    time.sleep(HOLD_S + 0.1)
    dialog.deleteLater()
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
