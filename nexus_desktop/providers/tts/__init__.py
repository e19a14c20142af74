"""Text-to-speech adapters, chosen by ``settings.voice.provider``.

``open_speaker`` is the one place that decides which voice speaks: the configured
provider, except that Piper hands over to espeak-ng when its voice is missing or
does not speak the script's language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from ...domain.errors import UserFixableError
from ...settings import VoiceSettings
from .base import Speaker, Speech, VoiceMissing, VoiceUnavailable
from .catalog import speed_for

log = logging.getLogger(__name__)

__all__ = ["PROVIDERS", "Speaker", "Speech", "VoiceMissing", "VoiceUnavailable", "open_speaker"]


def _piper(voice: VoiceSettings, language: str, voices_dir: Path | None) -> Speaker:
    from .piper import PiperSpeaker

    try:
        return PiperSpeaker.open(voice.piper_voice, language, speed=speed_for(voice, "piper", voice.piper_voice),
                                 voices_dir=voices_dir)
    except VoiceUnavailable as reason:
        level = logging.WARNING if isinstance(reason, VoiceMissing) else logging.INFO
        log.log(level, "%s; speaking with espeak-ng instead", reason)
        try:
            return _espeak(voice, language, voices_dir)
        except UserFixableError as fallback:
            raise UserFixableError(f"{reason}, and {fallback.message}", hint=fallback.hint) from fallback


def _espeak(voice: VoiceSettings, language: str, voices_dir: Path | None) -> Speaker:
    from .espeak import EspeakSpeaker

    return EspeakSpeaker.open(voice.espeak_voice, language, speed=speed_for(voice, "espeak", voice.espeak_voice))


def _elevenlabs(voice: VoiceSettings, language: str, voices_dir: Path | None) -> Speaker:
    from . import elevenlabs

    key = elevenlabs.stored_api_key()
    if not key:
        raise UserFixableError("no ElevenLabs API key is set", hint=elevenlabs.KEY_HINT)
    return elevenlabs.ElevenLabsSpeaker(
        key,
        voice_id=voice.elevenlabs_voice_id,
        model_id=voice.elevenlabs_model,
        base_url=voice.elevenlabs_base_url,
        speed=speed_for(voice, "elevenlabs", voice.elevenlabs_voice_id),
    )


PROVIDERS: dict[str, Callable[[VoiceSettings, str, Path | None], Speaker]] = {
    "piper": _piper,
    "espeak": _espeak,
    "elevenlabs": _elevenlabs,
}


def open_speaker(voice: VoiceSettings, language: str, *, voices_dir: Path | None = None) -> Speaker:
    """A speaker for ``language`` ("en", "ru", ...) per the voice settings.
    ``voices_dir`` is where named Piper voices live."""
    return PROVIDERS[voice.provider](voice, language, voices_dir)
