"""Work done once, early, in the pool, so the first job does not pay for it. No Qt.

Two things, in the narrate lane shortly after the window shows:

- **The modules the stages need.** Each stage used to import its own on first use,
  in the middle of the first job: the script writers pull in yake, networkx and
  regex patterns compiled at import (~320 modules), narrate num2words (~70),
  visualize the image plugins and render numpy.ma. An import holds the GIL while
  it compiles or unmarshals a module and runs its top level, and PySide6's import
  hook reads every module's source after it is loaded; py-spy showed these
  imports among the longest holds of the GIL in analyze and narrate (bench/README.md,
  Window, fourth session). Imported here, before any job, they cost the job nothing.
- **The Piper voice.** Loading it takes about half a second (onnxruntime reads the
  model without holding the GIL once the aligned copy is cached; making that copy
  the first time holds it ~0.75 s). Loaded here it is cached (providers/tts/piper.py)
  before any job needs it, and a narration that comes first simply waits in the
  same lane instead of loading it a second time. It loads in a short-lived thread
  at nice 10: onnxruntime's own threads, which it starts then and which compute
  every narration, inherit that lower priority (the pool threads keep the
  window's, see runtime/runner.py).
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from ..children import BACKGROUND_NICE
from ..domain.errors import NexusError
from ..domain.stages import PRODUCTION
from ..pipeline.flow import Workspace, stage_function

log = logging.getLogger(__name__)

# Imported inside functions during a job (measured: sys.modules before and after each
# stage of a sample job, after start-up); the stages' own modules come from stage_function.
LAZY_MODULES = (
    "nexus_desktop.providers.tts.normalize",  # narrate: num2words and its ~60 languages
    "nexus_desktop.providers.tts.spoken_forms",
    "nexus_desktop.pipeline.audio",
    "piper.espeakbridge",
    "imageio_ffmpeg",  # where ffmpeg is
    "PIL.PngImagePlugin",  # visualize and render open and write these
    "PIL.JpegImagePlugin",
    "PIL.ImageChops",
    "PIL.ImageSequence",
    "fonticon_mdi7",  # the shot cards' icons
    "nexus_desktop.pipeline.media_probe",  # render's quality checks
    "nexus_desktop.pipeline.quality",
    "nexus_desktop.pipeline.upload_specs",
    "numpy.ma",
    "statistics",
)


def warm_imports() -> list[str]:
    """Import every stage and the modules stages import on first use; the names that
    could not be imported (an optional part missing: the stage then says so itself)."""
    missing = []
    for stage in PRODUCTION:
        try:
            stage_function(stage)
        except Exception as exc:  # a broken optional dependency must not stop the app
            log.info("the %s stage was not imported ahead of time: %s", stage.value, exc)
            missing.append(f"nexus_desktop.pipeline.{stage.value}")
    for name in LAZY_MODULES:
        try:
            importlib.import_module(name)
        except Exception as exc:
            log.info("%s was not imported ahead of time: %s", name, exc)
            missing.append(name)
    return missing


def warm_voice(ws: Workspace) -> bool:
    """Load the configured local voice; False when there is none to load (or it is missing:
    the narration then says so with its own message)."""
    voice = ws.settings.voice
    if voice.provider != "piper":
        return False
    from ..providers.tts import open_speaker

    try:
        _in_a_lowered_thread(lambda: open_speaker(voice, "", voices_dir=ws.paths.data / "voices"))
    except NexusError as exc:
        log.info("the voice was not loaded ahead of time: %s", exc)
        return False
    return True


def _in_a_lowered_thread(fn: Callable[[], Any]) -> Any:
    """``fn()`` in a new thread at nice 10 (Linux), waited for; its exception is raised here."""
    outcome: list[Any] = []

    def run() -> None:
        if sys.platform.startswith("linux"):
            try:
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)
            except OSError:
                log.debug("could not lower the voice loader's priority", exc_info=True)
        try:
            outcome.append((fn(), None))
        except BaseException as exc:  # handed to the caller
            outcome.append((None, exc))

    thread = threading.Thread(target=run, name="voice-load", daemon=True)
    thread.start()
    thread.join()
    result, error = outcome[0]
    if error is not None:
        raise error
    return result


def warm_up(ws: Workspace) -> bool:
    """Everything above, imports first (the first job's analyze needs them soonest); then
    what they made is frozen for the garbage collector, as start-up's is (gui/main.py):
    a full collection walking the stages' modules ran in a render's database read and
    held the GIL 35 ms (bench/README.md, Window, fourth session)."""
    warm_imports()
    loaded = warm_voice(ws)
    gc.freeze()
    return loaded
