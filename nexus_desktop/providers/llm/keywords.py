"""Key phrases (yake), stopwords and hashtags for any language we can detect."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import yake

# yake names a few stopword files by other codes than ISO 639-1.
_YAKE_CODES = {"cs": "cz"}
_CJK_RUN = re.compile(r"[\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]{2,8}")
_HASHTAG_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=None)
def stopwords(language: str) -> frozenset[str]:
    """yake's stopword list for the language, read once (some files are Latin-1)."""
    folder = Path(yake.__file__).parent / "core" / "StopwordsList"
    path = folder / f"stopwords_{_YAKE_CODES.get(language, language)}.txt"
    if not path.exists():
        return frozenset()
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def key_phrases(text: str, language: str, *, top: int = 10, max_words: int = 2) -> list[str]:
    """The text's key phrases, best first, as they are written in the text."""
    if not text.strip():
        return []
    if language in ("ja", "zh", "ko", "th"):
        return _cjk_phrases(text, top)
    extractor = yake.KeywordExtractor(
        lan=_YAKE_CODES.get(language, language), n=max_words, top=top * 3, dedup_lim=0.7,
        stopwords=stopwords(language) or {""},
    )
    phrases: list[str] = []
    for phrase, _score in extractor.extract_keywords(text):
        phrase = phrase.strip(" -'\"")
        if len(phrase) > 2 and not phrase.isdigit() and not _overlaps(phrase, phrases):
            if language != "en" or _looks_like_a_topic(phrase):
                phrases.append(phrase)
    return phrases[:top]


def _looks_like_a_topic(phrase: str) -> bool:
    """Weed out yake's subject+verb pairs ("trees cool", "fan spins") and lone verbs,
    without a tagger: the first word of an English compound is singular, and
    topics rarely end in -ed or -ly."""
    words = phrase.lower().split()
    if any(w.endswith(("ly", "ed")) and len(w) > 4 for w in words):
        return False
    if len(words) > 1 and words[0].endswith("ing"):
        return False  # "giving buses": a verb's object, not a topic
    if len(words) == 1:
        return len(words[0]) > 3 and words[0] not in _COMMON_VERBS
    first = words[0]
    plural_first = first.endswith("s") and not first.endswith(("ss", "us", "is", "ics", "'s"))
    return not plural_first and words[-1] not in _COMMON_VERBS


# Verbs yake likes to return on their own; a topic list never needs them.
_COMMON_VERBS = frozenset(
    "makes make made falls fall stop stops catches catch give gives giving eat eats put puts take takes took "
    "goes go went gets get got says say said uses use used shows show shown finds find found keeps keep kept "
    "turns turn runs run ran comes come came helps help means mean tells tell told moves move wants want "
    "looks look seems seem becomes become leaves leave brings bring starts start begins begin cut cuts "
    "reach reaches need needs like likes try tries work works".split()
)


def _overlaps(phrase: str, chosen: list[str]) -> bool:
    low = phrase.lower()
    return any(low in other.lower() or other.lower() in low for other in chosen)


def _cjk_phrases(text: str, top: int) -> list[str]:
    """Runs of kanji/katakana/hangul, by frequency: no tokenizer needed for a rough cut."""
    counts = Counter(_CJK_RUN.findall(text))
    return [run for run, _count in counts.most_common(top)]


def hashtag(phrase: str) -> str:
    """'solid-state battery' -> '#SolidStateBattery'; empty when nothing is left."""
    words = _HASHTAG_WORD.findall(phrase)
    if not words:
        return ""
    body = "".join(w if w.isupper() and len(w) > 1 else w[:1].upper() + w[1:] for w in words)
    return "#" + body if not body.isdigit() else ""


def hashtags(phrases: list[str], *, limit: int = 8) -> tuple[str, ...]:
    tags: list[str] = []
    seen: set[str] = set()
    for phrase in phrases:
        tag = hashtag(phrase)
        key = re.sub(r"ies$", "y", tag.lower()).removesuffix("s")  # #SolidStateBattery = #SolidStateBatteries
        if tag and key not in seen and len(tag) <= 30:
            seen.add(key)
            tags.append(tag)
    return tuple(tags[:limit])
