"""A short sample in a voice, for "hear it" buttons: the pronunciation list and
the voice picker let the creator hear a word or a voice before a job uses it.

The text goes through the same normalization and pronunciation list as a
narration, so the sample says exactly what a video would.
"""

from __future__ import annotations

import wave
from pathlib import Path

from ..domain.errors import UserFixableError
from ..providers.tts import open_speaker
from ..providers.tts.normalize import normalize_tokens, spoken_text
from ..settings import VoiceSettings

MAX_SAMPLE_WORDS = 60


def speak_sample(
    text: str, voice: VoiceSettings, destination: Path, *, language: str = "en", voices_dir: Path | None = None
) -> str:
    """Speak ``text`` into the WAV file ``destination``; return what the voice was given."""
    tokens = text.split()[:MAX_SAMPLE_WORDS]
    if not tokens:
        raise UserFixableError("there is nothing to say", hint="type a word or a sentence first")
    said = spoken_text(normalize_tokens(tokens, language, voice.pronunciations))
    if not said:
        raise UserFixableError("the pronunciation list turns this into silence", hint="write how to say it")
    speaker = open_speaker(voice, language, voices_dir=voices_dir)
    speech = speaker.speak(said.split(), before="", after="", cancelled=lambda: False)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(destination), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(speech.sample_rate)
        out.writeframes(speech.samples.tobytes())
    return said
