"""What every text-to-speech adapter offers the narrate stage."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np

from ...domain.errors import Cancelled
from .timing import Span

CancelCheck = Callable[[], bool]
T = TypeVar("T")


@dataclass(frozen=True)
class Speech:
    """The audio for one chunk of narration and when each of its tokens is heard."""

    samples: np.ndarray  # mono int16
    sample_rate: int
    spans: tuple[Span | None, ...]  # per token, seconds from the chunk's start; None: not timed

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


class Speaker(Protocol):
    """A voice, ready to speak. ``name`` is the provider ("piper", "espeak",
    "elevenlabs"); ``voice`` names the voice for the record."""

    name: str
    voice: str
    sample_rate: int

    def speak(self, tokens: Sequence[str], *, before: str, after: str, cancelled: CancelCheck) -> Speech:
        """Speak ``" ".join(tokens)``; ``before``/``after`` are the neighbouring
        text, for providers that use it to keep the intonation continuous.
        Returns one span (or None) per token."""
        ...


class VoiceUnavailable(Exception):
    """This voice cannot speak this narration here (not installed, other language);
    the registry falls back to another one. The message says why."""


class VoiceMissing(VoiceUnavailable):
    """The configured voice is not installed: worth a warning, unlike a voice
    that simply does not speak the script's language."""


def call_cancellable(work: Callable[[], T], cancelled: CancelCheck, *, name: str, poll: float = 0.1) -> T:
    """Run ``work`` on a helper thread and wait for it, but raise ``Cancelled``
    within ``poll`` seconds of ``cancelled()``: a neural voice or a web request
    cannot be interrupted midway. Abandoned work runs to its end on its own and
    its result is dropped; its exception, if it finishes first, is raised here."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed to the waiting thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(timeout=poll)
        if worker.is_alive() and cancelled():
            raise Cancelled()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
