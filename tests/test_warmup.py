"""The voice model loads in the pool soon after start-up, never on the window's thread, and the
first narration finds it loaded."""

from __future__ import annotations

import threading

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
        return warmup.warm_voice(workspace)

    monkeypatch.setattr(gui_main, "warm_voice", recorded)
    monkeypatch.setattr(gui_main, "WARM_UP_DELAY_MS", 0)
    window = gui_main.open_window(ws)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: piper._load.cache_info().currsize == 1, timeout=60_000)
    assert threads and threads[0] is not threading.main_thread()
    qtbot.waitUntil(lambda: window.ctx.runner.state().idle, timeout=10_000)


def test_no_local_voice_nothing_to_warm(ws):  # noqa: F811
    ws.settings.voice.provider = "espeak"
    assert warmup.warm_voice(ws) is False
