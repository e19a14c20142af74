"""ElevenLabs through its official client, with word timings from the
"text to speech with timestamps" endpoint (one start and end time per character).
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...domain.errors import RetryableError, UserFixableError
from .base import CancelCheck, Speech, call_cancellable
from .timing import spans_from_units

log = logging.getLogger(__name__)

SECRET_NAME = "elevenlabs_api_key"
# Raw 16-bit little-endian mono PCM at the models' own 24 kHz: nothing to decode,
# and open to every plan (only 44.1 kHz PCM needs Pro).
OUTPUT_FORMAT = "pcm_24000"
SAMPLE_RATE = 24000
# The API accepts speeds from 0.7 to 1.2.
MIN_SPEED, MAX_SPEED = 0.7, 1.2
KEY_HINT = "paste a valid key in Settings › Voice (ElevenLabs: Profile › API keys), or switch the voice to Piper"
QUOTA_HINT = "check usage at elevenlabs.io › Subscription, add credits or upgrade, or switch the voice to Piper"


def stored_api_key() -> str | None:
    """The key from the OS keyring, through ``secrets.py`` (the only code that touches it)."""
    try:
        from ... import secrets
    except ImportError:
        return None
    get_secret = getattr(secrets, "get_secret", None)
    return get_secret(SECRET_NAME) if get_secret else None


class ElevenLabsSpeaker:
    name = "elevenlabs"
    sample_rate = SAMPLE_RATE

    def __init__(
        self, api_key: str, *, voice_id: str, model_id: str, base_url: str, speed: float = 1.0, timeout: float = 120.0
    ) -> None:
        if not api_key:
            raise UserFixableError("no ElevenLabs API key is set", hint=KEY_HINT)
        self._api_key = api_key
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        self.voice = voice_id
        self._model_id = model_id
        self._speed = min(MAX_SPEED, max(MIN_SPEED, speed))

    def speak(self, tokens: Sequence[str], *, before: str = "", after: str = "", cancelled: CancelCheck) -> Speech:
        text = " ".join(tokens)
        # The request runs on a helper thread so a cancel is honoured while
        # ElevenLabs is still talking.
        try:
            response = call_cancellable(lambda: self._request(text, before, after), cancelled, name="elevenlabs")
        except Exception as exc:
            translated = _translate(exc)
            if translated is None:
                raise
            raise translated from exc
        try:
            audio = base64.b64decode(response.audio_base_64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise RetryableError("ElevenLabs sent audio that is not valid base64") from exc
        samples = np.frombuffer(audio[: len(audio) // 2 * 2], dtype="<i2").astype(np.int16)
        alignment = response.alignment
        timed = []
        if alignment:
            starts, ends = alignment.character_start_times_seconds, alignment.character_end_times_seconds
            timed = list(zip(alignment.characters, starts, ends))
        spans = spans_from_units([list(token) for token in tokens], timed)
        return Speech(samples, SAMPLE_RATE, tuple(spans))

    def _request(self, text: str, before: str, after: str):
        import httpx
        from elevenlabs import ElevenLabs, VoiceSettings

        optional: dict[str, Any] = {}
        if before:
            optional["previous_text"] = before
        if after:
            optional["next_text"] = after
        if self._speed != 1.0:
            optional["voice_settings"] = VoiceSettings(speed=self._speed)
        # A client per request, closed by the thread that used it, even when
        # the stage was cancelled and stopped waiting for the answer.
        with httpx.Client(timeout=self._timeout, follow_redirects=True) as http:
            client = ElevenLabs(api_key=self._api_key, base_url=self._base_url, httpx_client=http)
            return client.text_to_speech.convert_with_timestamps(
                self.voice,
                text=text,
                model_id=self._model_id,
                output_format=OUTPUT_FORMAT,
                # Retries are the job runner's business; a retrying client
                # would also sleep through a cancel.
                request_options={"max_retries": 0},
                **optional,
            )


def _translate(exc: Exception) -> Exception | None:
    """ElevenLabs' and the network's errors in the app's terms; None for the rest."""
    import httpx
    from elevenlabs.core.api_error import ApiError

    if isinstance(exc, ApiError):
        return _api_error(exc.status_code or 0, exc.body, exc.headers or {})
    if isinstance(exc, httpx.TimeoutException):
        return RetryableError("ElevenLabs did not answer in time", hint="try again later")
    if isinstance(exc, httpx.TransportError):
        return RetryableError(f"could not reach ElevenLabs: {exc}", hint="check the internet connection")
    return None


translate_error = _translate  # for the voice catalogue, which talks to the same API


def _api_error(status: int, body: Any, headers: dict[str, str]) -> Exception:
    """Map ElevenLabs' documented errors: ``{"detail": {"status"|"code": ..., "message": ...}}``."""
    detail = body.get("detail") if isinstance(body, dict) else None
    code, message = "", ""
    if isinstance(detail, dict):
        code = str(detail.get("code") or detail.get("status") or "")
        message = str(detail.get("message") or "")
    elif isinstance(detail, list):  # request validation errors (422)
        message = "; ".join(str(item.get("msg", item)) for item in detail if isinstance(item, dict))
    log.info("ElevenLabs answered HTTP %s (%s)", status, code or "no code")
    if code == "quota_exceeded":
        return UserFixableError(f"ElevenLabs quota exceeded: {message or 'not enough credits left'}", hint=QUOTA_HINT)
    if status == 401 or code == "invalid_api_key":
        return UserFixableError("ElevenLabs rejected the API key", hint=KEY_HINT)
    if status == 429:
        return RetryableError(
            f"ElevenLabs is limiting requests ({code or 'too many requests'})",
            hint="the job will be retried later",
            retry_after=_retry_after(headers),
        )
    if status >= 500:
        return RetryableError(f"ElevenLabs had a server error (HTTP {status})", hint="the job will be retried later")
    if code == "voice_not_found":
        return UserFixableError(
            "ElevenLabs has no voice with this voice id", hint="pick another voice in Settings › Voice"
        )
    return UserFixableError(
        f"ElevenLabs refused the request (HTTP {status}): {message or code or body}",
        hint="check the ElevenLabs voice and model in Settings › Voice",
    )


def _retry_after(headers: dict[str, str]) -> float | None:
    value = {k.lower(): v for k, v in headers.items()}.get("retry-after", "")
    try:
        return float(value)
    except ValueError:
        return None
