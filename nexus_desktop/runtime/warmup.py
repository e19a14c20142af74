"""Work done once, early, in the pool, so the first job does not pay for it. No Qt.

Loading the Piper voice takes about half a second (onnxruntime reads the model
without holding the GIL once the aligned copy is cached; making that copy the
first time holds it ~0.75 s). Done by the first narration it delayed the job and,
before the cache, stalled the window. Loaded here, in the narrate lane, shortly
after start-up, it is cached (providers/tts/piper.py) before any job needs it,
and a narration that comes first simply waits in the same lane instead of
loading it a second time.
"""

from __future__ import annotations

import logging

from ..domain.errors import NexusError
from ..pipeline.flow import Workspace

log = logging.getLogger(__name__)


def warm_voice(ws: Workspace) -> bool:
    """Load the configured local voice; False when there is none to load (or it is missing:
    the narration then says so with its own message)."""
    voice = ws.settings.voice
    if voice.provider != "piper":
        return False
    from ..providers.tts import open_speaker

    try:
        open_speaker(voice, "", voices_dir=ws.paths.data / "voices")
    except NexusError as exc:
        log.info("the voice was not loaded ahead of time: %s", exc)
        return False
    return True
