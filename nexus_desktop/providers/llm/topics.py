"""The article's real topics, for hashtags and titles: named things (Tech Digest,
CPU, Crème brûlée) and the noun phrases of its title and body, never a lone
generic word like #Degrees or a subject glued to its verb like #WaterTastes.

Without a tagger, phrases are cut the RAKE way: a run of words between
punctuation, stopwords and common verbs is a candidate noun phrase.
"""

from __future__ import annotations

import re
from collections import Counter

from .keywords import _COMMON_VERBS, hashtag, key_phrases, stopwords

_TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*|[^\w\s]")
# Verbs that split phrases, on top of the stopwords: the ones news prose uses most.
_VERBS = _COMMON_VERBS | frozenset(
    "is are was were be been being has have had do does did can could will would should may might must "
    "spins spin swells swell shrinks shrink cracks crack tastes taste seasons stays stay acts act wakes wake "
    "hides hide forces force breaks break cuts survive survives cool cools rode ride mounted mount published "
    "publish plan plans decide decides opened open opens doubling doubles double swap swaps promises promise "
    "passes pass report reports ships ship shipping depends depend found lets let turn turns gives builds build "
    "goes sets set watch gathers gather falls catches travel travels slowing slow ends end partition carry "
    "embeds embed sorted tuned running matters merged waiting drawing acts sealing stops relax kneading "
    "reach reaches resting try tries store stores tells explain explains dries dry kept keeps".split()
)
_NUMBERS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred thousand "
    "million billion percent half third quarter twice first second dozen few several many".split()
)
# Comparatives: "dough easier" and "better bread" are not topics.
_COMPARATIVES = frozenset(
    "easier better faster cooler warmer hotter bigger smaller larger longer shorter higher lower further cheaper "
    "safer calmer fewer more less".split()
)
# English words that end a noun phrase: yake's list also holds adjectives ("open", "slow").
_FUNCTION_WORDS = frozenset(
    "a an the this that these those it its they them their there here he she his her him we our us you your i "
    "my me of to in on at by for from with without into onto over under about above below between through "
    "during before after since until than as and or nor but so yet if when while where which who whom whose what "
    "why how not no all any each every both either neither some such other another same own just also only very "
    "too now then again still even ever never up down out off away back around like per via whatever whichever "
    "called instead little behind within gone more less most few".split()
)
# Single words too generic to be a topic on their own.
_GENERIC = frozenset(
    "degrees degree way ways change changes thing things people year years time times day days week weeks news "
    "story stories part parts number numbers lot lots kind kinds place places percent minutes hours cycle cycles "
    "layer cells cell street work side end case point points fact idea team users user reason".split()
)


def noun_phrases(text: str, language: str, *, max_words: int = 3) -> list[str]:
    """Runs of words bounded by punctuation, stopwords and verbs, as written."""
    stop = _FUNCTION_WORDS if language == "en" else stopwords(language)
    runs, current = [], []
    for token in _TOKEN.findall(text):
        low = token.lower()
        breaks = not token[0].isalnum() or low in stop or (language == "en" and low in _VERBS)
        breaks = breaks or (language == "en" and (_verb_like(low) or low in _NUMBERS or low in _COMPARATIVES))
        breaks = breaks or token.isdigit()
        if breaks:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(token)
    if current:
        runs.append(current)
    return [" ".join(run) for run in runs if len(run) <= max_words]


def _verb_like(word: str) -> bool:
    return len(word) > 4 and word.endswith(("ed", "ly")) and word not in {"speed", "seed", "need", "bed", "red"}


def named_things(text: str) -> list[str]:
    """Capitalised runs that do not start a sentence ("Tech Digest", "CPU")."""
    found = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        words = sentence.split()
        run: list[str] = []
        for index, word in enumerate(words):
            clean = word.strip(".,;:!?\"'()“”‘’")
            if index and clean[:1].isupper() and clean.isalpha():
                run.append(clean)
                continue
            if run:
                found.append(" ".join(run))
            run = []
        if run:
            found.append(" ".join(run))
    return found


def topics(title: str, body: str, language: str, *, limit: int = 12) -> list[str]:
    """Topics, best first: named things, the title's noun phrases, then the
    body's compounds that recur or are hyphenated."""
    picked: list[str] = []

    def add(phrase: str) -> None:
        key = _key(phrase)
        if key and all(key != _key(p) for p in picked):
            picked.append(phrase)

    for name in named_things(body):
        add(name)
    for phrase in noun_phrases(title, language):
        if " " in phrase or "-" in phrase or _topical_word(phrase):
            add(phrase)
    body_phrases = [p for p in noun_phrases(body, language) if " " in p or "-" in p]
    counts = Counter(p.lower() for p in body_phrases)
    ranked = sorted(set(body_phrases), key=lambda p: (-counts[p.lower()], -p.count("-"), body_phrases.index(p)))
    for phrase in ranked:
        if counts[phrase.lower()] >= 2 or "-" in phrase:
            add(phrase)
    if len(picked) < 5:  # a short article: add its other compounds, the key phrase extractor's first
        preferred = {p.lower() for p in key_phrases(body, language, top=10)}
        for phrase in sorted(ranked, key=lambda p: p.lower() not in preferred):
            if len(picked) >= 5:
                break
            add(phrase)
    return picked[:limit]


def _topical_word(word: str) -> bool:
    """A one-word title topic ("Puddle", "Browsers") counts unless it is generic ("Degrees")."""
    low = word.lower()
    return len(low) > 3 and low not in _GENERIC


def _key(phrase: str) -> str:
    return re.sub(r"ies$", "y", hashtag(phrase).lower()).removesuffix("s")


def topic_hashtags(found: list[str], *, limit: int = 8) -> tuple[str, ...]:
    tags: list[str] = []
    for phrase in found:
        tag = hashtag(phrase)
        if tag and 3 < len(tag) <= 30 and _key(phrase) not in {_key(t) for t in tags}:
            tags.append(tag)
    return tuple(tags[:limit])
