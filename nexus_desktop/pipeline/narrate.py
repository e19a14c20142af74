"""Narrate: speak the script's narration into ``narration.wav`` with a time span
for every word, for the captions.

The narration is spoken a sentence at a time, so progress means something and a
cancel is honoured between sentences (and, for espeak-ng and ElevenLabs, within
one). The audio is then brought to the loudness in the voice settings.

The voice reads the narration as it should be said ("41°C" as "forty-one degrees
Celsius", the creator's pronunciation list applied), stored as ``spoken``; the
word timings stay on the narration's own words, each timed for as long as the
voice says what replaced it, so captions show "41°C" in step with the voice.
"""

from __future__ import annotations

import errno
import re
import tempfile
import unicodedata
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..domain.content import Narration, Script, WordTiming
from ..domain.errors import UserFixableError
from ..providers.tts import Speaker, open_speaker
from ..providers.tts.normalize import Segment, normalize_tokens, spoken_text
from ..providers.tts.timing import Span, complete_spans
from . import audio
from .context import StageContext, StageOutput

FILE_NAME = "narration.wav"
SAMPLE_RATE = 48000
MAX_CHUNK_TOKENS = 40
SENTENCE_PAUSE = 0.25  # seconds of silence between sentences, at speed 1.0
# The loudness meter works in 400 ms blocks and reads a shorter clip as silence.
MIN_SECONDS = 1.0

_SENTENCE_END = re.compile(r"[.!?…。！？]['\"”’»)\]]*$")
_INITIALS = re.compile(r"^(?:\w\.){2,}$")
_TITLES = frozenset({"Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "St.", "Jr.", "Sr.", "vs.", "No."})
_CLAUSE_END = re.compile(r"[,;:—–、，；：]['\"”’»)\]]*$")


def run(ctx: StageContext) -> StageOutput:
    script = _script(ctx)
    tokens = script.narration.split()
    if not tokens:
        raise UserFixableError(
            "the script has no narration to speak", hint="write a narration in the script, then retry"
        )
    ctx.progress(0, "Loading the voice")
    voice = ctx.settings.voice
    speaker = open_speaker(voice, script.language or "en", voices_dir=ctx.paths.data / "voices")
    destination = ctx.job_dir / FILE_NAME
    try:
        with tempfile.TemporaryDirectory(dir=ctx.job_dir, prefix=".narrate-") as scratch:
            raw = Path(scratch) / "raw.wav"
            spans, spoken = _speak_all(ctx, speaker, tokens, raw, script.language or "en")
            ctx.progress(90, "Balancing the loudness")
            with audio.atomic_path(destination) as final:
                audio.normalize_loudness(
                    raw,
                    final,
                    lufs=voice.loudness_lufs,
                    true_peak=voice.true_peak_db,
                    sample_rate=SAMPLE_RATE,
                    cancelled=lambda: ctx.cancelled,
                )
                ctx.check_cancelled()  # a cancel now still leaves the old narration alone
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise UserFixableError("the disk is full", hint=audio.DISK_FULL_HINT) from exc
        raise
    duration = audio.wav_duration(destination)
    narration = Narration(
        audio_path=FILE_NAME,
        duration=duration,
        words=_word_timings(tokens, spans, duration),
        provider=speaker.name,
        voice=speaker.voice,
        sample_rate=SAMPLE_RATE,
        spoken=spoken,
    )
    ctx.progress(100, f"Narration ready: {duration:.1f} s, {speaker.name} voice")
    return StageOutput(
        results={"narration": narration.to_dict(), "spoken": spoken},
        assets=(ctx.asset("narration", destination, duration=duration),),
    )


def _script(ctx: StageContext) -> Script:
    analyzed = ctx.results.get("analyze") or {}
    if "script" not in analyzed:
        raise UserFixableError("there is no script to narrate yet", hint="run the analyze stage first")
    return Script.from_dict(analyzed["script"])


def _speak_all(
    ctx: StageContext, speaker: Speaker, tokens: list[str], raw: Path, language: str
) -> tuple[list[Span | None], str]:
    """Speak chunk by chunk into ``raw`` (a WAV at the speaker's rate, written as
    it goes so a long narration never sits in memory); return each token's span
    in seconds from the start, and the text the voice was given."""
    lexicon = ctx.settings.voice.pronunciations
    chunks = [(chunk, _segments(tokens, chunk, language, lexicon)) for chunk in sentence_chunks(tokens)]
    said = [[_speakable(word) for segment in segments for word in segment.spoken] for _, segments in chunks]
    pause = np.zeros(int(speaker.sample_rate * SENTENCE_PAUSE / ctx.settings.voice.speed), dtype=np.int16)
    spans: list[Span | None] = [None] * len(tokens)
    written = 0
    with wave.open(str(raw), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(speaker.sample_rate)
        for number, (_, segments) in enumerate(chunks):
            ctx.check_cancelled()
            ctx.progress(5 + 85 * number / len(chunks), f"Speaking sentence {number + 1} of {len(chunks)}")
            words = said[number]
            if not any(words):
                continue  # only a link, or the pronunciation list silenced it
            speech = speaker.speak(
                words,
                before=" ".join(w for chunk in said[max(0, number - 3) : number] for w in chunk)[-400:],
                after=" ".join(w for chunk in said[number + 1 : number + 4] for w in chunk)[:400],
                cancelled=lambda: ctx.cancelled,
            )
            offset = written / speaker.sample_rate
            shifted = [None if s is None else (s[0] + offset, s[1] + offset) for s in speech.spans]
            _place(spans, tokens, segments, shifted)
            out.writeframes(speech.samples.tobytes())
            written += len(speech.samples)
            if number + 1 < len(chunks) and len(speech.samples):
                out.writeframes(pause.tobytes())
                written += len(pause)
        if written == 0:
            raise UserFixableError(
                "the voice found nothing it could read in the narration",
                hint="write the narration in words, then retry",
            )
        out.writeframes(bytes(2 * max(0, int(MIN_SECONDS * speaker.sample_rate) - written)))
    ctx.check_cancelled()
    return spans, spoken_text([segment for _, segments in chunks for segment in segments])


def _segments(tokens: list[str], chunk: range, language: str, lexicon: dict[str, str]) -> list[Segment]:
    """The chunk's tokens as the voice should say them, indexed in the whole narration."""
    found = normalize_tokens(tokens[chunk.start : chunk.stop], language, lexicon)
    return [Segment(s.first + chunk.start, s.last + chunk.start, s.spoken) for s in found]


def _place(spans: list[Span | None], tokens: list[str], segments: list[Segment], said: list[Span | None]) -> None:
    """Give each displayed token the time its spoken words took; words that
    replaced several tokens ("9 a.m.") share their time among them by length."""
    position = 0
    for segment in segments:
        heard = [s for s in said[position : position + len(segment.spoken)] if s is not None]
        position += len(segment.spoken)
        if not heard:
            continue
        start, end = min(s[0] for s in heard), max(s[1] for s in heard)
        shown = range(segment.first, segment.last)
        weights = [max(1, len(tokens[i])) for i in shown]
        edge = start
        for i, weight in zip(shown, weights):
            step = (end - start) * weight / sum(weights)
            spans[i] = (edge, edge + step)
            edge += step


def sentence_chunks(tokens: Sequence[str], max_tokens: int = MAX_CHUNK_TOKENS) -> list[range]:
    """Token ranges, one per sentence; a sentence longer than ``max_tokens``
    is cut after a clause (a comma, a dash) when it can be, else hard."""
    chunks, start = [], 0
    for i in range(len(tokens)):
        ends = _ends_sentence(tokens, i)
        if ends or i + 1 - start >= max_tokens:
            cut = i + 1
            if not ends:
                clauses = [k + 1 for k in range(start, i) if _CLAUSE_END.search(tokens[k])]
                cut = clauses[-1] if clauses and clauses[-1] - start >= max_tokens // 2 else cut
            chunks.append(range(start, cut))
            start = cut
    if start < len(tokens):
        chunks.append(range(start, len(tokens)))
    return chunks


def _ends_sentence(tokens: Sequence[str], i: int) -> bool:
    """A full stop, "!" or "?" ends a sentence unless it ends an abbreviation
    ("Dr.", "U.S.") or the next word goes on in lower case."""
    token = tokens[i]
    if not _SENTENCE_END.search(token):
        return False
    if i + 1 == len(tokens):
        return True
    if tokens[i + 1][:1].islower():
        return False
    return not (token in _TITLES or _INITIALS.match(token))


def _speakable(token: str) -> str:
    """Drop control characters and lone surrogates: nothing can speak them and
    they break the voices' C libraries."""
    return "".join(char for char in token if unicodedata.category(char) not in ("Cc", "Cs"))


def _word_timings(tokens: Sequence[str], spans: Sequence[Span | None], duration: float) -> tuple[WordTiming, ...]:
    """Exactly one timing per token, in order, inside ``[0, duration]``."""
    # Resampling to 48 kHz can shorten the audio by a fraction of a sample.
    latest = max((s[1] for s in spans if s is not None), default=0.0)
    scale = duration / latest if latest > duration else 1.0
    scaled = [None if s is None else (s[0] * scale, s[1] * scale) for s in spans]
    weights = [float(len(token)) for token in tokens]
    placed = complete_spans(scaled, weights, 0.0, duration)
    return tuple(WordTiming(token, start, end) for token, (start, end) in zip(tokens, placed))
