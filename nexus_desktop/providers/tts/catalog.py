"""Every voice the creator can pick: the bundled Piper voice, Piper .onnx
voices they point to (or keep in the data folder's voices/), every espeak-ng
voice, and the ElevenLabs voices of their account; plus ElevenLabs instant
voice cloning from their own recordings, with their consent.

A voice is chosen by two settings: ``voice.provider`` and that provider's
voice field (``piper_voice``, ``espeak_voice``, ``elevenlabs_voice_id``).
``voice_key`` names a voice for its own speaking rate (``voice.catalog.rates``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from ...domain.errors import UserFixableError
from ...settings import VoiceSettings
from .base import VoiceMissing

log = logging.getLogger(__name__)

MAX_CLONE_FILES = 25  # ElevenLabs takes up to 25 samples for an instant clone
MAX_CLONE_BYTES = 10 * 1024 * 1024  # per sample
CLONE_SUFFIXES = (".mp3", ".wav", ".m4a", ".flac", ".ogg", ".webm")


@dataclass(frozen=True)
class VoiceOption:
    provider: str  # "piper", "espeak", "elevenlabs"
    voice: str  # the provider's voice setting: "" for the bundled Piper voice, an .onnx path, an id
    name: str
    language: str  # "en", "en-us", "" when unknown
    detail: str = ""

    @property
    def key(self) -> str:
        return voice_key(self.provider, self.voice)


def voice_key(provider: str, voice: str) -> str:
    return f"{provider}:{voice}"


def current_key(voice: VoiceSettings) -> str:
    chosen = {"piper": voice.piper_voice, "espeak": voice.espeak_voice, "elevenlabs": voice.elevenlabs_voice_id}
    return voice_key(voice.provider, chosen[voice.provider])


def speed_for(voice: VoiceSettings, provider: str, chosen: str) -> float:
    """The overall speed times this voice's own rate, within what voices accept."""
    rate = voice.catalog.rates.get(voice_key(provider, chosen), 1.0)
    return max(0.5, min(2.0, voice.speed * rate))


def piper_voices(voice: VoiceSettings, voices_dir: Path | None) -> list[VoiceOption]:
    """The bundled voice, the .onnx files the creator added, and those in ``voices_dir``."""
    from .piper import resolve_model, voice_language

    options: list[VoiceOption] = []
    try:
        bundled = resolve_model("", voices_dir)
        options.append(VoiceOption("piper", "", f"{bundled.stem} (bundled)", voice_language(bundled), "Piper"))
    except VoiceMissing as exc:
        log.info("no bundled Piper voice: %s", exc)
    paths = [Path(p).expanduser() for p in voice.catalog.piper_files]
    if voice.piper_voice.endswith(".onnx"):
        paths.append(Path(voice.piper_voice).expanduser())
    if voices_dir is not None and voices_dir.is_dir():
        paths += sorted(voices_dir.glob("*.onnx"))
    seen: set[str] = set()
    for path in paths:
        if str(path) in seen:
            continue
        seen.add(str(path))
        config = Path(f"{path}.json")
        if not path.is_file() or not config.is_file():
            continue
        try:
            language = voice_language(path)
            quality = json.loads(config.read_text(encoding="utf-8")).get("audio", {}).get("quality", "")
        except (OSError, ValueError) as exc:
            log.info("skipping the Piper voice %s: %s", path, exc)
            continue
        options.append(VoiceOption("piper", str(path), path.stem, language, f"Piper {quality}".strip()))
    return options


def espeak_voices() -> list[VoiceOption]:
    """Every espeak-ng voice; none when espeak-ng is not installed."""
    from .espeak import list_voices

    try:
        voices = list_voices()
    except UserFixableError as exc:
        log.info("no espeak-ng voices: %s", exc.message)
        return []
    options = []
    for voice in voices:
        language = min(voice.languages)[1] if voice.languages else ""
        options.append(VoiceOption("espeak", voice.identifier, voice.name, language, "espeak-ng"))
    return sorted(options, key=lambda o: (o.language, o.name))


def elevenlabs_voices(api_key: str, base_url: str, *, limit: int = 500) -> list[VoiceOption]:
    """The voices of the ElevenLabs account, premade and cloned alike."""
    from .elevenlabs import translate_error

    options: list[VoiceOption] = []
    token: str | None = None
    try:
        with _client(api_key, base_url) as client:
            while len(options) < limit:
                page = client.voices.search(page_size=100, next_page_token=token, request_options={"max_retries": 0})
                for found in page.voices:
                    labels = found.labels or {}
                    language = labels.get("language", "")
                    detail = " ".join(filter(None, ["ElevenLabs", str(found.category or ""),
                                                    labels.get("accent", ""), labels.get("gender", "")]))
                    options.append(VoiceOption("elevenlabs", found.voice_id, found.name or found.voice_id, language,
                                               detail))
                if not page.has_more or not page.next_page_token:
                    break
                token = page.next_page_token
    except Exception as exc:
        translated = translate_error(exc)
        if translated is None:
            raise
        raise translated from exc
    return options


def clone_elevenlabs_voice(
    api_key: str, base_url: str, *, name: str, samples: list[Path], consent: bool, description: str = ""
) -> VoiceOption:
    """An instant voice clone from the creator's own recordings."""
    from .elevenlabs import translate_error

    if not consent:
        raise UserFixableError("cloning needs your consent",
                               hint="tick the box confirming the recordings are your own voice, or that you have "
                                    "the speaker's permission")
    if not name.strip():
        raise UserFixableError("the new voice needs a name", hint="type a name for it")
    _check_samples(samples)
    handles = [path.open("rb") for path in samples]
    try:
        with _client(api_key, base_url) as client:
            made = client.voices.ivc.create(
                name=name.strip(), files=[(p.name, h) for p, h in zip(samples, handles)],
                description=description or "Cloned in Nexus Desktop from the creator's own recordings",
                request_options={"max_retries": 0},
            )
    except Exception as exc:
        translated = translate_error(exc)
        if translated is None:
            raise
        raise translated from exc
    finally:
        for handle in handles:
            handle.close()
    return VoiceOption("elevenlabs", made.voice_id, name.strip(), "", "ElevenLabs cloned")


def _check_samples(samples: list[Path]) -> None:
    if not samples:
        raise UserFixableError("choose at least one recording of the voice", hint="a minute or more of clear speech")
    if len(samples) > MAX_CLONE_FILES:
        raise UserFixableError(f"ElevenLabs takes at most {MAX_CLONE_FILES} recordings for a clone")
    for path in samples:
        if path.suffix.lower() not in CLONE_SUFFIXES:
            raise UserFixableError(f"{path.name} is not a recording ElevenLabs reads",
                                   hint="use MP3, WAV, M4A, FLAC, OGG or WebM files")
        if not path.is_file() or path.stat().st_size == 0:
            raise UserFixableError(f"{path.name} is missing or empty")
        if path.stat().st_size > MAX_CLONE_BYTES:
            raise UserFixableError(f"{path.name} is larger than 10 MB", hint="cut it into shorter recordings")


class _client:
    """An official client on a private httpx client, closed afterwards."""

    def __init__(self, api_key: str, base_url: str) -> None:
        self.api_key, self.base_url = api_key, base_url.rstrip("/")

    def __enter__(self):
        import httpx
        from elevenlabs import ElevenLabs

        if not self.api_key:
            from .elevenlabs import KEY_HINT

            raise UserFixableError("no ElevenLabs API key is set", hint=KEY_HINT)
        self._http = httpx.Client(timeout=60.0, follow_redirects=True)
        return ElevenLabs(api_key=self.api_key, base_url=self.base_url, httpx_client=self._http)

    def __exit__(self, *exc: object) -> None:
        self._http.close()
