"""What makes a sentence worth opening on, and what makes one a caveat.

A hook is the article's own most striking sentence: one with a number, a
first or a record, a contrast. Nothing is invented; when no sentence stands
out the title opens the narration. A caveat ("still", "but", "not yet", "at
least", "only", "may") qualifies a claim, and a script that keeps the claim
must keep its caveat.
"""

from __future__ import annotations

import re
from functools import lru_cache

_DIGITS = re.compile(r"\d")
_WORDS = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")

# Per language: number words, firsts and records, contrasts, caveats.
_NUMBER_WORDS = {
    "en": "two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred hundreds "
          "thousand thousands million millions billion billions percent half third quarter twice double doubled "
          "doubling triple tripled dozen",
    "de": "zwei drei vier fünf zehn hundert tausend million millionen milliarden prozent hälfte doppelt",
    "fr": "deux trois quatre cinq dix cent mille million millions milliard pour-cent moitié double",
    "es": "dos tres cuatro cinco diez cien mil millón millones por ciento mitad doble",
}
_FIRSTS = {
    "en": "first record largest biggest fastest smallest cheapest highest lowest hottest coldest oldest newest "
          "never ever only unprecedented breakthrough most least best worst",
    "de": "erste erstmals rekord größte schnellste nie noch nie",
    "fr": "premier première record plus jamais",
    "es": "primer primera récord mayor nunca",
}
_CONTRASTS = {
    "en": "but yet although though while whereas instead despite rather than not than",
    "de": "aber doch obwohl statt trotz als",
    "fr": "mais pourtant alors que malgré plutôt que",
    "es": "pero sin embargo aunque mientras que en vez de",
}
# Words and phrases that qualify a claim.
_CAVEATS = {
    "en": ["still", "but", "not yet", "at least", "only", "may", "might", "however", "although", "though",
           "unless", "so far", "remains", "no guarantee", "too early", "preliminary", "caution", "warn", "warned",
           "yet to", "could"],
    "de": ["noch", "aber", "jedoch", "mindestens", "nur", "könnte", "könnten", "bisher", "allerdings"],
    "fr": ["encore", "mais", "toutefois", "au moins", "seulement", "pourrait", "pourraient", "pas encore"],
    "es": ["todavía", "pero", "sin embargo", "al menos", "solo", "sólo", "podría", "podrían", "aún no"],
}


@lru_cache(maxsize=None)
def _words(table: str, language: str) -> frozenset[str]:
    source = {"numbers": _NUMBER_WORDS, "firsts": _FIRSTS, "contrasts": _CONTRASTS}[table]
    return frozenset(source.get(language, "").split())


@lru_cache(maxsize=None)
def _caveat_pattern(language: str) -> re.Pattern[str] | None:
    phrases = _CAVEATS.get(language)
    if not phrases:
        return None
    body = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


def is_caveat(sentence: str, language: str) -> bool:
    """The sentence qualifies a claim: "Volume production is still at least two years away." """
    pattern = _caveat_pattern(language)
    return bool(pattern and pattern.search(sentence))


def striking(sentence: str, language: str) -> float:
    """How strongly a sentence grabs a listener: numbers, firsts and records, contrasts."""
    words = [w.lower() for w in _WORDS.findall(sentence)]
    score = 0.0
    if _DIGITS.search(sentence):
        score += 2.5
    elif any(w in _words("numbers", language) for w in words):
        score += 1.5
    if any(w in _words("firsts", language) or (language == "en" and _superlative(w)) for w in words):
        score += 1.5
    if any(w in _words("contrasts", language) for w in words) or re.search(r"\w+er than\b", sentence):
        score += 1.0
    return score


def _superlative(word: str) -> bool:
    return len(word) > 5 and word.endswith("est") and word not in {"interest", "request", "forest", "harvest",
                                                                    "honest", "modest", "protest", "suggest",
                                                                    "digest", "contest", "invest", "latest"}
