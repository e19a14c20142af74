"""Which shot shows when: cuts at the narration's word boundaries, and a kind per shot.

Pure functions over the script, the word timings and how many photos there are;
drawing is ``shot_art``'s job. Shots last 1.5–3.5 s and end, where they can, in
the pause after a sentence or a comma. The first is the hook as a kinetic title,
the last the end card; in between the shot where a number is spoken gets a stat
callout, a quoted sentence a quote card, and the rest alternate between the
article's photos, illustrated keywords and kinetic phrases, all taken from the
words the shot covers (``shot_plan_words`` finds the numbers and phrases).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..domain.content import Script, WordTiming
from ..domain.shots import Shot
from . import shot_plan_words as said
from .shot_plan_words import STOP_WORDS, Stat, find_stat, find_stats  # noqa: F401 (what callers import from here)

log = logging.getLogger(__name__)

MIN_SHOT, MAX_SHOT, TARGET_SHOT = 1.5, 3.5, 2.6
END_CARD = 2.5  # seconds; the end card is 2-3 s
MAX_TITLE_WORDS = 10  # the sample titles run to nine words; a cut hook ("…by up to nine…") reads badly
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)»]*$")
_CLAUSE_END = re.compile(r"[,;:–—][\"'”’)»]*$")

@dataclass(frozen=True)
class Token:
    text: str  # as displayed (the script's spelling, punctuation kept)
    start: float
    end: float


def align(script: Script, words: Sequence[WordTiming], duration: float) -> list[Token]:
    """The script's displayed words with times. When the timings do not map one to
    one (a number read out as several words), each displayed word takes the time of
    the spoken word at the same share of the way through."""
    shown = script.narration.split()
    spoken = [w for w in words if w.word.strip()]
    if not shown:
        return [Token(w.word, w.start, w.end) for w in spoken]
    if not spoken:
        step = duration / len(shown)
        return [Token(t, i * step, (i + 0.9) * step) for i, t in enumerate(shown)]
    if len(shown) == len(spoken):
        return [Token(t, w.start, w.end) for t, w in zip(shown, spoken)]
    tokens = []
    for i, text in enumerate(shown):
        first = spoken[min(len(spoken) - 1, i * len(spoken) // len(shown))]
        last = spoken[min(len(spoken) - 1, max(0, (i + 1) * len(spoken) // len(shown) - 1))]
        tokens.append(Token(text, first.start, max(first.start, last.end)))
    return tokens


def cut_times(tokens: Sequence[Token], duration: float, *, end: float | None = None) -> list[float]:
    """Shot boundaries from 0 to ``end`` (default: duration): each shot 1.5–3.5 s,
    cut between words, preferring sentence ends, commas and long pauses."""
    end = duration if end is None else end
    bounds = [0.0]
    gaps = [((a.end + b.start) / 2, b.start - a.end, a.text) for a, b in zip(tokens, tokens[1:])]
    while end - bounds[-1] > MAX_SHOT:
        here = bounds[-1]
        fits = [(t, pause, text) for t, pause, text in gaps
                if MIN_SHOT <= t - here <= MAX_SHOT and end - t >= MIN_SHOT]
        if fits:
            bounds.append(max(fits, key=lambda g: _cut_score(g, here))[0])
        else:  # no word boundary in reach (a long pause or a long word): cut on time
            bounds.append(here + min(TARGET_SHOT, (end - here) / 2))
    bounds.append(end)
    return bounds


def _cut_score(gap: tuple[float, float, str], here: float) -> float:
    at, pause, text = gap
    bonus = 1.0 if _SENTENCE_END.search(text) else 0.5 if _CLAUSE_END.search(text) else 0.0
    return bonus + min(pause, 0.6) * 2 - abs(at - here - TARGET_SHOT) * 0.35


# --- what a sentence offers ----------------------------------------------------------------------

_QUOTE = re.compile(r"[“\"«„]([^”\"»“]{12,220})[”\"»“]")
_NAME = r"[A-Z][\w.'-]+(?:\s+(?:(?:de|van|von|der|den|da|di|du|del|le|la|al|bin)\s+)*[A-Z][\w.'-]+){0,3}"
_WHO_AFTER = re.compile(rf"(?:said|says|according to|told|explained|added)\s+({_NAME})")
_WHO_BEFORE = re.compile(rf"({_NAME}),?\s+(?:said|says|explained|added)")


def find_quote(sentence: str) -> tuple[str, str] | None:
    """A quoted passage of at least four words, and who said it (or "")."""
    match = _QUOTE.search(sentence)
    if not match or len(match[1].split()) < 4:
        return None
    rest = sentence[:match.start()] + " " + sentence[match.end():]
    who = _WHO_AFTER.search(rest) or _WHO_BEFORE.search(rest)
    return match[1].strip(" ,."), (who[1].strip(" ,.") if who else "")


def content_words(text: str) -> list[str]:
    words = [w.strip(".,;:!?\"'“”()[]’‘").lower() for w in text.split()]
    return [w for w in words if len(w) >= 3 and w.isalpha() and w not in STOP_WORDS]


# --- the plan -------------------------------------------------------------------------------------


def plan_shots(script: Script, tokens: Sequence[Token], duration: float, *, photos: int,
               icon_for: Callable[[Sequence[str]], tuple[str, str] | None], hook: str, channel: str) -> list[Shot]:
    """Shots covering [0, duration], each with its kind and content."""
    if duration < MIN_SHOT + END_CARD:
        return [Shot("title", 0.0, duration, text=_hook(hook))]
    end_start = _end_card_start(tokens, duration)
    bounds = cut_times(tokens, duration, end=end_start)
    picker = _Picker(script, photos, icon_for, hook)
    shots = []
    for n, (start, stop) in enumerate(zip(bounds, bounds[1:])):
        inside = [t for t in tokens if start - 0.05 <= t.start < stop]
        if n == 0:
            shots.append(Shot("title", start, stop, text=_hook(hook), drift=0))
            continue
        shots.append(picker.pick(start, stop, inside, tokens, n))
    shots.append(Shot("end", end_start, duration, text=channel, drift=len(shots) % 4))
    return shots


def _hook(text: str) -> str:
    words = text.split()
    return " ".join(words[:MAX_TITLE_WORDS]) + ("…" if len(words) > MAX_TITLE_WORDS else "")


def _end_card_start(tokens: Sequence[Token], duration: float) -> float:
    """2-3 s before the end, in a gap between words when there is one."""
    wanted = duration - END_CARD
    gaps = [(a.end + b.start) / 2 for a, b in zip(tokens, tokens[1:])]
    near = [g for g in gaps if duration - 3.0 <= g <= duration - 2.0]
    return min(near, key=lambda g: abs(g - wanted)) if near else wanted


class _Picker:
    """Chooses each middle shot's kind so the video keeps changing: a number as a stat
    callout while it is spoken, a quoted sentence as a quote card, photos spread out,
    and between them icons and kinetic phrases that name what is being said (never the
    same icon or phrase twice, never an icon for the closing "read the full story")."""

    def __init__(self, script: Script, photos: int,
                 icon_for: Callable[[Sequence[str]], tuple[str, str] | None], hook: str = "") -> None:
        self.sentences = _sentences(script.narration)
        self.hook = hook
        self.photos, self.icon_for = photos, icon_for
        self.used_sentences: set[int] = set()
        self.next_photo = 0
        self.icons: list[str] = []
        self.used_words: set[str] = set()
        self.used_phrases: set[str] = set()
        self.kinds: list[str] = ["title"]
        self.keywords = tuple(k for scene in script.scenes for k in scene.keywords)
        self.starts, self.stats, self.closing = [], {}, set()
        seen = 0
        for i, sentence in enumerate(self.sentences):
            self.starts.append(seen)
            for stat in said.find_stats(sentence):
                self.stats.setdefault(seen + stat.word, stat)
            if said.is_closing(sentence) and i == len(self.sentences) - 1:
                self.closing.update(range(seen, seen + len(sentence.split())))
            seen += len(sentence.split())
        self.used_stats: set[str] = set()

    def pick(self, start: float, stop: float, inside: Sequence[Token], tokens: Sequence[Token], n: int) -> Shot:
        text = " ".join(t.text for t in inside)
        drift = n % 4
        positions = [i for i, t in enumerate(tokens) if start - 0.05 <= t.start < stop]
        index = self._sentence_of(inside, tokens)
        sentence = self.sentences[index] if index is not None else text
        stat = self._stat_spoken(positions)
        if stat is not None:
            self.used_stats.add(stat.value + stat.unit)
            self.used_phrases.update((stat.label.lower(), stat.unit.lower()))
            self.used_words.update(stat.unit.lower().split())
            return self._shot(Shot("stat", start, stop, text=stat.label, value=stat.value, unit=stat.unit,
                                   drift=drift))
        if index is not None and index not in self.used_sentences:
            quote = find_quote(sentence)
            if quote and self.kinds[-1] != "quote":
                self.used_sentences.add(index)
                return self._shot(Shot("quote", start, stop, text=quote[0], who=quote[1], drift=drift))
        if self.photos and (self.kinds[-1] != "photo" or self.next_photo < self.photos):
            photo = self.next_photo % self.photos
            self.next_photo += 1
            return self._shot(Shot("photo", start, stop, photo=photo, drift=drift))
        said_here = " ".join(tokens[i].text for i in positions if i not in self.closing) or text
        phrase = self._phrase(said_here, sentence)
        if self.kinds[-1] != "icon" or len(phrase.split()) < 2:
            found = self._icon(said_here, sentence)
            if found is not None:
                icon, word, where = found
                self.icons.append(icon)
                self.used_words.add(word)
                label = said.keyword_around(where, word, self.keywords) or _phrase_around(where, word)
                self.used_phrases.add(label.lower())
                return self._shot(Shot("icon", start, stop, text=label, icon=icon, drift=drift))
        if self.kinds[-2:] == ["title", "title"]:  # a third phrase in a row: an icon of the topic beside it
            found = self._icon(sentence + " " + self.hook, sentence + " " + self.hook, fresh=False)
            if found is not None:
                self.icons.append(found[0])
                self.used_phrases.add(phrase.lower())
                return self._shot(Shot("icon", start, stop, text=phrase, icon=found[0], drift=drift))
        self.used_phrases.add(phrase.lower())
        return self._shot(Shot("title", start, stop, text=phrase, drift=drift))

    def _stat_spoken(self, positions: Sequence[int]) -> Stat | None:
        """A number spoken in this shot that has not been shown yet, or one its sentence
        has just said (under the hook title, say)."""
        if not positions:
            return None
        sentence_start = max((s for s in self.starts if s <= positions[0]), default=0)
        for position in (*positions, *range(positions[0] - 1, sentence_start - 1, -1)):
            stat = self.stats.get(position)
            if stat is not None and stat.value + stat.unit not in self.used_stats:
                return stat
        return None

    def _phrase(self, text: str, sentence: str) -> str:
        """What the shot is about in a few words: its own best phrase, or its sentence's
        when the shot's words are only one short word."""
        avoid = frozenset(p for p in self.used_phrases if p)
        phrase = said.best_phrase(text, self.keywords, avoid=avoid)
        if len(phrase.split()) < 2:
            wider = said.best_phrase(sentence, self.keywords, avoid=avoid)
            phrase = wider if len(wider.split()) >= 2 else phrase
        if len(phrase.split()) < 2 and 3 <= len(text.split()) <= 6:  # a short clause says more whole: "travel as a pair"
            phrase = _key_phrase(text, limit=6)
        return (phrase or _key_phrase(text)).rstrip(".,;:")

    def _icon(self, text: str, sentence: str, *, fresh: bool = True) -> tuple[str, str, str] | None:
        """(icon, the word it stands for, the text holding that word): the shot's words
        first, then its sentence's; not an icon shown in the last two icon shots and
        (when ``fresh``) not a word or label shown before."""
        for where in (text, sentence):
            words = [w for w in said.icon_words(where, self.keywords) if not fresh or w not in self.used_words]
            while words:
                found = self.icon_for(words)
                if found is None:
                    break
                label = (said.keyword_around(where, found[1], self.keywords) or _phrase_around(where, found[1])).lower()
                if found[0] not in self.icons[-2:] and not (
                        fresh and any(label in u or u in label for u in self.used_phrases if u)):
                    return found[0], found[1], where
                words = [w for w in words if w != found[1]]
        return None

    def _shot(self, shot: Shot) -> Shot:
        self.kinds.append(shot.kind)
        return shot

    def _sentence_of(self, inside: Sequence[Token], tokens: Sequence[Token]) -> int | None:
        if not inside or not self.sentences:
            return None
        position = tokens.index(inside[0]) if inside[0] in tokens else 0
        seen = 0
        for i, sentence in enumerate(self.sentences):
            seen += len(sentence.split())
            if position < seen:
                return i
        return len(self.sentences) - 1


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?…])[\"'”’)»]*\s+", " ".join(text.split()))
    return [p for p in parts if p]


_WEAK_ENDINGS = STOP_WORDS | frozenset("put puts make makes made get gets got take takes took go goes went come comes "
                                      "came like become becomes became keep keeps kept".split())


def _key_phrase(text: str, limit: int = 5) -> str:
    """The shot's words without filler at either end, at most ``limit`` words, and not past
    the end of a clause: "fire risk, but it has" says "fire risk"."""
    words = text.split()
    while words and words[0].lower().strip(".,;:!?") in STOP_WORDS:
        words.pop(0)
    words = words[:limit]
    for i, word in enumerate(words[:-1]):
        if _CLAUSE_END.search(word) or _SENTENCE_END.search(word):
            words = words[:i + 1]
            break
    words = [w.strip(",;:") for w in words]
    while len(words) > 1 and words[-1].lower().strip(".!?") in _WEAK_ENDINGS:
        words.pop()
    phrase = " ".join(words).rstrip(",;:")
    return phrase or " ".join(text.split()[:limit])


def _phrase_around(text: str, word: str) -> str:
    """The keyword with the word before it when that is a content word ("port cities")."""
    words = [w.strip(".,;:!?\"'“”()") for w in text.split()]
    lowered = [w.lower() for w in words]
    if word not in lowered:
        return word
    i = lowered.index(word)
    if i > 0 and lowered[i - 1] not in said.EDGE_WORDS and lowered[i - 1] not in said.WEAK_VERBS \
            and lowered[i - 1].isalpha() and not lowered[i - 1].endswith("ing"):
        return f"{words[i - 1]} {words[i]}"
    return words[i]


# What ``shot_steer`` rebuilds a shot from when the creator gives it another kind.
sentences, key_phrase, phrase_around = _sentences, _key_phrase, _phrase_around
