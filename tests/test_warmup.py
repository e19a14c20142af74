"""The stages' modules and the voice model load in the pool soon after start-up, never on the
window's thread, and the first job finds them loaded."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from nexus_desktop.gui import main as gui_main
from nexus_desktop.providers.tts import piper
from nexus_desktop.runtime import warmup

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_the_voice_is_loaded_off_the_window_thread_after_start(qtbot, ws, monkeypatch):  # noqa: F811
    piper._load.cache_clear()
    threads = []

    def recorded(workspace):
        threads.append(threading.current_thread())
        return warmup.warm_up(workspace)

    monkeypatch.setattr(gui_main, "warm_up", recorded)
    monkeypatch.setattr(gui_main, "WARM_UP_DELAY_MS", 0)
    window = gui_main.open_window(ws)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: piper._load.cache_info().currsize == 1, timeout=60_000)
    assert threads and threads[0] is not threading.main_thread()
    qtbot.waitUntil(lambda: window.ctx.runner.state().idle, timeout=10_000)


def test_no_local_voice_nothing_to_warm(ws):  # noqa: F811
    ws.settings.voice.provider = "espeak"
    assert warmup.warm_voice(ws) is False


ROOT = Path(__file__).resolve().parent.parent
# What a sample job imported on first use before (measured per stage); each a long hold of the GIL.
FIRST_USE = ("nexus_desktop.pipeline.analyze", "yake", "networkx", "nexus_desktop.pipeline.narrate", "num2words",
             "nexus_desktop.pipeline.visualize", "PIL.PngImagePlugin", "fonticon_mdi7",
             "nexus_desktop.pipeline.render", "nexus_desktop.pipeline.quality", "numpy.ma")


def test_the_warm_up_imports_what_the_stages_would_import_mid_job():
    code = ("import sys\n"
            "from nexus_desktop.runtime.warmup import warm_imports\n"
            f"before = [m for m in {FIRST_USE!r} if m in sys.modules]\n"
            "missing = warm_imports()\n"
            f"print(before, missing, [m for m in {FIRST_USE!r} if m not in sys.modules])\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[] [] []"  # none loaded before, none missing, all loaded after


def test_a_module_that_cannot_be_imported_is_named_not_raised(monkeypatch, caplog):
    monkeypatch.setattr(warmup, "LAZY_MODULES", ("nexus_desktop.no_such_module",))
    assert warmup.warm_imports() == ["nexus_desktop.no_such_module"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority is Linux's")
def test_the_voice_loads_in_a_lowered_thread_whose_failure_reaches_the_caller():
    seen = []

    def load():
        seen.append((threading.current_thread() is not threading.main_thread(),
                     os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
        raise ValueError("no voice here")

    with pytest.raises(ValueError, match="no voice here"):
        warmup._in_a_lowered_thread(load)
    assert seen and seen[0][0] and seen[0][1] >= 10  # onnxruntime's threads, started there, inherit it


def test_what_the_warm_up_made_is_frozen_for_the_collector(ws, monkeypatch):  # noqa: F811
    """After the imports and the voice, so a full collection never walks the stages' modules."""
    calls = []
    monkeypatch.setattr(warmup, "LAZY_MODULES", ())
    monkeypatch.setattr(warmup, "PRODUCTION", ())
    monkeypatch.setattr(warmup, "warm_voice", lambda _ws: calls.append("voice") or False)
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    assert warmup.warm_up(ws) is False
    assert calls == ["voice", "freeze"]
