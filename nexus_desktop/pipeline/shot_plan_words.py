"""The words a shot shows: its stats (numbers written in digits or in words), the
phrase that names what is being said, and the words an icon may stand for.

Pure functions over a sentence or a shot's words; ``shot_plan`` decides which
shot gets what. Everything here is English-first: in another language a number
written in words is not found and a phrase is the run of words the shot covers,
which is what the planner used before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STOP_WORDS = frozenset("""a an the and or but if of to in on at by for with from as is are was were be been being it its
this that these those their there they them he she his her we our you your i me my not no so than then too very can
will would could should may might must has have had do does did just also into over under about after before
more most less least new one two three per percent cent up out off all any some each what which who whom when
where why how while says said say according told still yet only even much many such""".split())
# Words that may stand in a stat's label or a phrase but never at its edge.
EDGE_WORDS = STOP_WORDS | frozenset("""around about nearly almost roughly least every whatever rather instead
usually now soon often always never again away within without own next same few little through across behind right
below above between among against during until via like whether because though although""".split())
# A word between a number and its unit: "800 full cycles", "two sunny days".
_UNIT_ADJECTIVES = frozenset("full more extra fewer whole other sunny straight separate different active new".split())
WEAK_VERBS = frozenset("""put puts make makes made get gets got take takes took go goes went come comes came like
become becomes became keep keeps kept use uses used give gives gave let lets need needs means mean""".split())

_SENTENCE_END = re.compile(r"[.!?…][\"'”’)»]*$")
_CLAUSE_END = re.compile(r"[,;:–—][\"'”’)»]*$")
_STRIP = ".,;:!?\"'“”()[]’‘«»…"

# --- numbers ---------------------------------------------------------------------------------------

_UNITS = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                     "fourteen fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * n for n, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if n > 1}
_FRACTIONS = {"half": "1/2", "third": "1/3", "quarter": "1/4"}
# A small number still makes a stat with these units: "nine degrees", "two years", "twenty minutes".
_TIME_UNITS = frozenset("""second seconds minute minutes hour hours day days week weeks month months year years
decade decades""".split())


def number_word(word: str) -> int | None:
    """``nine`` -> 9, ``Twenty-five`` -> 25; None for anything else."""
    low = word.lower().strip(_STRIP)
    if low in _UNITS:
        return _UNITS[low]
    if low in _TENS:
        return _TENS[low]
    head, _, tail = low.partition("-")
    if head in _TENS and tail in _UNITS and 0 < _UNITS[tail] < 10:
        return _TENS[head] + _UNITS[tail]
    return None


def with_digits(sentence: str) -> str:
    """The sentence with numbers written in words turned to digits, word for word (so
    word positions still match): "up to nine degrees" -> "up to 9 degrees", "the next
    thousand trees" -> "the next 1000 trees"."""
    words = sentence.split()
    out = []
    for i, word in enumerate(words):
        value = number_word(word)
        core = word.strip(_STRIP)
        low = core.lower()
        previous_is_number = bool(out) and out[-1].strip(_STRIP).replace(",", "").isdigit()
        if value is not None and not (low == "one" and i + 1 < len(words) and words[i + 1].lower() in ("of", "another")):
            out.append(word.replace(core, str(value)))
        elif low in ("hundred", "thousand") and not previous_is_number:
            out.append(word.replace(core, "100" if low == "hundred" else "1000"))
        else:
            out.append(word)  # "two hundred" -> "2 hundred": the multiplier is read with the number
    return " ".join(out)


_NUMBER = re.compile(
    r"(?P<cur>[$€£¥])?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<mult>hundred|million|billion|trillion|thousand|bn|[MBK](?![a-z])))?"
    r"(?:\s?(?P<unit>%|percent\b|per cent\b|°\s?[CF]\b|degrees\b(?:\s+(?:Celsius|Fahrenheit))?|[A-Za-z][A-Za-z-]*))?")
_MULT = {"million": "M", "billion": "B", "trillion": "T", "thousand": "K", "bn": "B", "m": "M", "b": "B", "k": "K"}
_FRACTION = re.compile(r"\b(?:by\s+)?(?:a|one)\s+(half|third|quarter)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Stat:
    value: str
    unit: str
    label: str
    word: int = -1  # the number's word in the sentence (0-based), -1 when unknown


def find_stats(sentence: str) -> list[Stat]:
    """Every striking number with its unit, in order: 91 percent, 800 cycles, $18.5M,
    41°C, nine degrees, two years, a third. Bare years, list numbers ("one of 3") and
    small counts of things ("two shops") are not stats."""
    text = with_digits(sentence)
    found: list[tuple[int, Stat]] = []
    for match in _NUMBER.finditer(text):
        stat = _stat(sentence, text, match)
        if stat is not None:
            found.append((match.start(), stat))
    for match in _FRACTION.finditer(text):
        before = text[:match.start()].split()
        words = sentence.split()[max(0, len(before) - 5):len(before)]
        label = _label(" ".join(w for w in words if not number_word(w)), from_end=True) \
            if match[0].lower().startswith("by") else ""
        found.append((match.start(), Stat(_FRACTIONS[match[1].lower()], "", label or "", len(before))))
    return [stat for _, stat in sorted(found, key=lambda f: f[0])]


def find_stat(sentence: str) -> Stat | None:
    """The first of ``find_stats``."""
    stats = find_stats(sentence)
    return stats[0] if stats else None


def _stat(original: str, text: str, match: re.Match) -> Stat | None:
    cur, num, mult, unit = match["cur"] or "", match["num"], match["mult"] or "", match["unit"] or ""
    if not cur and not mult and re.fullmatch(r"(19|20)\d\d", num) and (not unit or unit.lower() in STOP_WORDS):
        return None  # a year
    start = match.start()
    if start > 0 and text[start - 1].isalnum():
        return None  # part of a word or model name (A320)
    low = unit.lower()
    if mult.lower() == "hundred":
        num, mult = f"{float(num.replace(',', '')) * 100:,.0f}", ""
    if "," not in num and "." not in num and len(num) >= 4:
        num = f"{int(num):,}"  # "1,000 trees"
    value = f"{cur}{num}{_MULT.get(mult.lower(), mult) if mult else ''}"
    if low in ("%", "percent", "per cent"):
        unit = "%"
    elif low.startswith(("°", "degrees")):
        unit = "°F" if low.endswith(("f", "fahrenheit")) else "°C"
    elif low in STOP_WORDS or not unit:
        if not (cur or mult):
            return None  # a bare number says little on its own
        unit = ""
    before = text[:start].split()
    shown, digits = original.split(), text.split()
    after = len(text[:match.end()].split())
    if (low in _UNIT_ADJECTIVES and after < len(digits) and digits[after].strip(_STRIP).isalpha()
            and not _ends_clause(digits[after - 1])):
        unit = f"{unit} {digits[after].strip(_STRIP)}"  # "800 full cycles"
        after += 1
    if unit and not (cur or mult) and float(num.replace(",", "")) < 10 and unit not in ("%", "°C", "°F") \
            and unit.split()[-1].lower() not in _TIME_UNITS:
        return None  # "3 times", "two shops": too small to show off
    tail = [] if _ends_clause(digits[after - 1]) else shown[after:]
    cut = next((i for i, w in enumerate(tail) if re.search(r"\d", w)), len(tail))
    label = _label(" ".join(tail[:cut]))
    if before and before[-1].lower().strip(_STRIP) == "by":
        label = _label(" ".join(shown[max(0, len(before) - 6):len(before) - 1]), from_end=True) or label
    elif not label:
        candidate = _label(" ".join(shown[max(0, len(before) - 6):len(before)]), from_end=True)
        label = candidate if len(candidate.split()) >= 2 else ""
    return Stat(value, unit, label, len(before))


def _label(text: str, *, from_end: bool = False) -> str:
    """At most four words of the clause next to a number, without filler at the edges;
    "per liter" stays whole and ends the label."""
    words = text.split()
    if from_end:
        kept: list[str] = []
        for word in reversed(words):
            if _CLAUSE_END.search(word) or _SENTENCE_END.search(word):
                break
            kept.insert(0, word)
        words = kept
    else:
        clause = []
        for word in words:
            clause.append(word)
            if _CLAUSE_END.search(word) or _SENTENCE_END.search(word):
                break
            if len(clause) >= 2 and clause[-2].lower() == "per":
                break
        words = clause
    words = [w.strip(_STRIP) for w in words if w.strip(_STRIP)]
    if from_end:  # nothing from before an earlier number, nor the verb that led to it ("moved to a release")
        last = max((i for i, w in enumerate(words) if re.search(r"\d", w) or number_word(w) is not None), default=-1)
        words = _trim(words[last + 1:])
        while words and words[0].lower().endswith(("ed", "ing")) and len(words[0]) > 4:
            words = _trim(words[1:])
    words = _trim(words)
    return " ".join(_trim(words[-4:] if from_end else words[:4]))


def _trim(words: list[str]) -> list[str]:
    words = list(words)
    while words and (words[-1].lower() in EDGE_WORDS or words[-1].lower() in WEAK_VERBS):
        words.pop()
    while words and words[0].lower() in EDGE_WORDS and words[0].lower() != "per" and number_word(words[0]) is None:
        words.pop(0)
    return words


# --- phrases ---------------------------------------------------------------------------------------

_BRIDGES = frozenset({"of", "into", "to", "and", "or", "for", "in", "on", "with"})


def chunks(text: str) -> list[list[str]]:
    """Runs of content words ("compressed air", "starch into sugars"), split at filler
    words and at punctuation; a run may bridge one small word between two content words."""
    out: list[list[str]] = []
    current: list[str] = []
    words = text.split()
    for i, raw in enumerate(words):
        word = raw.strip(_STRIP)
        low = word.lower()
        bridge = (low in _BRIDGES and current and i + 1 < len(words)
                  and words[i + 1].strip(_STRIP).lower() not in EDGE_WORDS and not _ends_clause(words[i - 1]))
        if word and (bridge or (low not in EDGE_WORDS and low not in WEAK_VERBS)):
            current.append(word)
        elif current:
            out.append(_trim(current))
            current = []
        if _ends_clause(raw) and current:
            out.append(_trim(current))
            current = []
    if current:
        out.append(_trim(current))
    return [c for c in out if c]


def _ends_clause(word: str) -> bool:
    return bool(_CLAUSE_END.search(word) or _SENTENCE_END.search(word))


def best_phrase(text: str, keywords: tuple[str, ...] = (), limit: int = 5, avoid: frozenset[str] = frozenset()) -> str:
    """The run of words that names what ``text`` is about: the longest chunk, a chunk
    holding one of the script's keywords first; "" when the text holds no content word."""
    keyed = {k.lower() for k in keywords}
    best, score = "", 0.0
    for chunk in chunks(text):
        chunk = _trim(chunk[:limit])
        phrase = " ".join(chunk)
        if not chunk:
            continue
        if any(phrase.lower() in used or used in phrase.lower() for used in avoid):
            continue  # said on screen already
        content = [w for w in chunk if w.lower() not in _BRIDGES]
        value = len(content) + 1.5 * any(k in phrase.lower() for k in keyed) + 0.1 * sum(len(w) > 6 for w in content)
        if len(content) == 1 and len(content[0]) < 5:
            value -= 0.5
        if value > score:
            best, score = phrase, value
    return best


# --- icons -----------------------------------------------------------------------------------------

# Words whose icon would say something else on screen: verbs, and nouns whose icon is a
# different thing ("watch it closely" is not a wristwatch).
_NOT_FOR_ICONS = frozenset("""read run runs running open opens opened report reports pin pins watch watching store
stores stored drawing draw stop stops stopped test tests scale make made use used set sets found find finds
change changes changed move moves moved turn turns turned point points play plays show shows shown start starts
sign signs close closed fast faster rest rests green key keys ship ships shipping shipped class view lead leads
live current cut cuts swap swaps pair break breaks shape shapes travel falls fall hard easy easier""".split())
_CLOSING = re.compile(r"\b(full story|read more|link in (the )?(bio|description)|subscribe)\b", re.IGNORECASE)


def icon_words(text: str, keywords: tuple[str, ...] = ()) -> list[str]:
    """Words of ``text`` an icon may stand for, most telling first: the head words of
    the script's keywords that occur in it, then its other content words."""
    words = [w.strip(_STRIP).lower() for w in text.split()]
    content = [w for w in words if len(w) >= 3 and w.replace("-", "").isalpha() and w not in EDGE_WORDS
               and w not in WEAK_VERBS and w not in _NOT_FOR_ICONS]
    lowered = " ".join(words)
    heads = []
    for keyword in keywords:
        parts = keyword.lower().split()
        if parts and keyword.lower() in lowered:
            heads += [p for p in reversed(parts) if p in content and p not in heads]
    return heads + [w for w in content if w not in heads]


def is_closing(sentence: str) -> bool:
    """The narration's pointer to the article ("Read the full story from …")."""
    return bool(_CLOSING.search(sentence))


def keyword_around(text: str, word: str, keywords: tuple[str, ...]) -> str:
    """The label for an icon standing for ``word``: the script's keyword holding it when
    the text says that keyword, else "" (the planner then takes the word and the one before it)."""
    lowered = " ".join(w.strip(_STRIP).lower() for w in text.split())
    for keyword in sorted(keywords, key=len, reverse=True):
        parts = keyword.lower().split()
        if len(parts) > 1 and parts[-1] == word and keyword.lower() in lowered:  # "fire risk" for risk, not "gluten relax"
            return keyword
    return ""
