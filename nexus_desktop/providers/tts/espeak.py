"""espeak-ng through libespeak-ng: the voice of last resort, for the many
languages it knows. Word timings are exact: libespeak-ng reports a WORD event,
with the word's character position and its time in the audio, for every word.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ...domain.errors import Cancelled, UserFixableError
from .base import CancelCheck, Speech
from .piper import primary_language
from .timing import Span

INSTALL_HINT = "install espeak-ng (Debian/Ubuntu: `sudo apt install espeak-ng`; it is in packaging/apt-packages.txt)"

# speak_lib.h
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_EVENT_LIST_TERMINATED, _EVENT_WORD, _EVENT_END, _EVENT_MSG_TERMINATED = 0, 1, 5, 6
_EE_OK = 0
_PARAM_RATE = 1
_RATE_NORMAL, _RATE_MIN, _RATE_MAX = 175, 80, 450


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),  # 1-based, in characters
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),  # ms from the start of this espeak_Synth call
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.POINTER(ctypes.c_ubyte)),  # (priority byte, name, NUL)*, NUL
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@dataclass
class _Take:
    """What one espeak_Synth call produced."""

    cancelled: CancelCheck
    audio: list[bytes] = field(default_factory=list)
    events: list[tuple[int, int, float]] = field(default_factory=list)  # (type, text index, seconds)
    aborted: bool = False


class _Engine:
    """libespeak-ng is one global synthesizer per process: one lock guards it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._lib: ctypes.CDLL | None = None
        self._callback = _Callback(self._on_audio)  # kept alive as long as the engine
        self._take: _Take | None = None
        self.sample_rate = 0

    def lib(self) -> ctypes.CDLL:
        """Load and start libespeak-ng once. Call with the lock held."""
        if self._lib is None:
            self._lib, self.sample_rate = _start(self._callback)
        return self._lib

    def _on_audio(self, wav, count: int, events) -> int:
        take = self._take
        if take is None:
            return 0
        if wav and count > 0:
            take.audio.append(ctypes.string_at(wav, count * 2))
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            event = events[i]
            take.events.append((event.type, event.text_position - 1, event.audio_position / 1000))
            i += 1
        if take.cancelled():
            take.aborted = True
            return 1  # abort synthesis
        return 0

    def synthesize(self, text: str, cancelled: CancelCheck) -> _Take:
        """Call with the lock held and the voice set."""
        take = self._take = _Take(cancelled)
        data = text.encode("utf-8")
        try:
            result = self.lib().espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        finally:
            self._take = None
        if take.aborted:
            raise Cancelled()
        if result != _EE_OK:
            raise RuntimeError(f"espeak-ng failed to speak (error {result})")
        return take


def _start(callback) -> tuple[ctypes.CDLL, int]:
    name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise UserFixableError("espeak-ng is not installed", hint=INSTALL_HINT) from exc
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetSynthCallback.argtypes = [_Callback]
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_Synth.argtypes = [
        ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
        ctypes.c_void_p, ctypes.c_void_p,
    ]  # fmt: skip
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
    lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
    rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, _INITIALIZE_DONT_EXIT)
    if rate <= 0:
        raise UserFixableError(
            "espeak-ng is installed but could not start (its voice data is missing)", hint=INSTALL_HINT
        )
    lib.espeak_SetSynthCallback(callback)
    return lib, rate


_engine = _Engine()


@dataclass(frozen=True)
class EspeakVoice:
    name: str
    identifier: str  # file under espeak-ng-data/voices, e.g. "zle/ru"
    languages: tuple[tuple[int, str], ...]  # (priority: lower is preferred, language)


def list_voices() -> list[EspeakVoice]:
    with _engine.lock:
        table = _engine.lib().espeak_ListVoices(None)
        voices, i = [], 0
        while table[i]:
            entry = table[i].contents
            voices.append(EspeakVoice(entry.name.decode(), entry.identifier.decode(), _languages(entry.languages)))
            i += 1
    return voices


def _languages(raw) -> tuple[tuple[int, str], ...]:
    found, i = [], 0
    while raw[i]:
        priority, name = raw[i], bytearray()
        i += 1
        while raw[i]:
            name.append(raw[i])
            i += 1
        i += 1
        found.append((priority, name.decode()))
    return tuple(found)


def voice_for_language(language: str) -> EspeakVoice:
    """The preferred espeak-ng voice for a language code ("ru", "zh", "pt-BR")."""
    wanted = language.replace("_", "-").lower()
    primary = primary_language(language)
    ranked = []
    for voice in list_voices():
        for priority, spoken in voice.languages:
            if spoken == wanted:
                ranked.append((0, priority, voice.identifier, voice))
            elif spoken.split("-")[0] == primary:
                ranked.append((1 if spoken == primary else 2, priority, voice.identifier, voice))
    if not ranked:
        raise UserFixableError(
            f"espeak-ng has no voice for the language '{language}'",
            hint="set the script's language to one espeak-ng speaks, or choose ElevenLabs as the voice provider",
        )
    return min(ranked)[3]


class EspeakSpeaker:
    name = "espeak"

    def __init__(self, voice: str, *, speed: float = 1.0) -> None:
        self.voice = voice
        self._rate = max(_RATE_MIN, min(_RATE_MAX, round(_RATE_NORMAL * speed)))
        with _engine.lock:
            self._select()
            self.sample_rate = _engine.sample_rate

    @classmethod
    def open(cls, configured_voice: str, language: str, *, speed: float) -> "EspeakSpeaker":
        """The configured voice when it speaks the script's language, else the
        language's own voice."""
        if not language or primary_language(language) == primary_language(configured_voice):
            return cls(configured_voice, speed=speed)
        return cls(voice_for_language(language).identifier, speed=speed)

    def _select(self) -> None:
        lib = _engine.lib()
        if lib.espeak_SetVoiceByName(self.voice.encode()) != _EE_OK:
            raise UserFixableError(
                f"espeak-ng has no voice '{self.voice}'", hint="choose another espeak voice in Settings"
            )
        lib.espeak_SetParameter(_PARAM_RATE, self._rate, 0)

    def speak(self, tokens: Sequence[str], *, before: str = "", after: str = "", cancelled: CancelCheck) -> Speech:
        text = " ".join(tokens)
        with _engine.lock:
            self._select()  # another speaker may have changed the global voice
            take = _engine.synthesize(text, cancelled)
        samples = np.frombuffer(b"".join(take.audio), dtype=np.int16)
        spans = _word_spans(tokens, take.events, samples, self.sample_rate)
        return Speech(samples, self.sample_rate, tuple(spans))


def _word_spans(
    tokens: Sequence[str], events: list[tuple[int, int, float]], samples: np.ndarray, rate: int
) -> list[Span | None]:
    """Each WORD event runs until the next word or clause end; it belongs to the
    token holding its first character."""
    owner = _char_owners(tokens)
    total = len(samples) / rate
    marks = [(kind, index, time) for kind, index, time in events if kind in (_EVENT_WORD, _EVENT_END)]
    spans: list[Span | None] = [None] * len(tokens)
    loudness = _frame_levels(samples, rate)
    for n, (kind, index, start) in enumerate(marks):
        if kind != _EVENT_WORD or not 0 <= index < len(owner):
            continue
        end = marks[n + 1][2] if n + 1 < len(marks) else total
        token = owner[index]
        if end <= start:
            continue
        end = _trim_silence(loudness, rate, start, end)
        current = spans[token]
        spans[token] = (start, end) if current is None else (min(current[0], start), max(current[1], end))
    return spans


def _char_owners(tokens: Sequence[str]) -> list[int]:
    """For each character of ``" ".join(tokens)``, the token it belongs to (a
    space belongs to the token after it)."""
    owner: list[int] = []
    for k, token in enumerate(tokens):
        if k:
            owner.append(k)
        owner.extend([k] * len(token))
    return owner


_FRAME = 0.01  # seconds


def _frame_levels(samples: np.ndarray, rate: int) -> np.ndarray:
    size = max(1, int(rate * _FRAME))
    usable = len(samples) // size * size
    frames = samples[:usable].astype(np.float32).reshape(-1, size)
    return np.sqrt((frames**2).mean(axis=1)) if len(frames) else np.zeros(0, dtype=np.float32)


def _trim_silence(levels: np.ndarray, rate: int, start: float, end: float) -> float:
    """End a word where its sound ends, not where the pause after it ends."""
    if not len(levels):
        return end
    threshold = float(levels.max()) * 0.03  # -30 dB below the loudest frame
    first, last = int(start / _FRAME), min(len(levels), int(end / _FRAME))
    loud = np.nonzero(levels[first:last] > threshold)[0]
    if not len(loud):
        return end
    heard_until = (first + int(loud[-1]) + 1) * _FRAME
    return min(end, max(heard_until, start + 0.05))
