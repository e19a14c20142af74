"""Text said right: the narration as a voice should read it.

"41°C" becomes "forty-one degrees Celsius", "$18.5M" "eighteen point five million
dollars", "Dr." "Doctor", "EV" "E.V." (so an English voice names the letters),
links vanish. The narration's own words stay what captions show; each run of
displayed words maps to the spoken words that replace it (a ``Segment``), so a
caption can light up "41°C" for as long as the voice says the three words.

One regular expression per language holds every rule, tried in order at each
position; a match may cover several displayed words ("9 a.m."), which then
share one segment.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from ..llm.textclean import URL_RE
from .spoken_forms import (
    ACRONYM_WORDS,
    MONTHS,
    ROMAN,
    TECH_TERMS,
    Vocabulary,
    parse_number,
    say_fraction,
    say_letters,
    say_number,
    say_year,
    speaks_numbers,
    vocabulary,
)


@dataclass(frozen=True)
class Segment:
    """Displayed tokens ``[first, last)`` and the words the voice says for them."""

    first: int
    last: int
    spoken: tuple[str, ...]


def spoken_text(segments: Sequence[Segment]) -> str:
    return " ".join(word for segment in segments for word in segment.spoken)


def normalize_tokens(
    tokens: Sequence[str], language: str, lexicon: Mapping[str, str] | None = None
) -> list[Segment]:
    """Segments covering every displayed token once, in order."""
    text = " ".join(tokens)
    starts, position = [], 0
    for token in tokens:
        starts.append(position)
        position += len(token) + 1
    changes = [(m.start(), m.end(), r) for m, r in _matches(text, language, dict(lexicon or {}))]
    segments: list[Segment] = []
    token, change = 0, 0
    while token < len(tokens):
        last = token + 1
        begin, end = starts[token], starts[token] + len(tokens[token])
        pieces: list[str] = []
        cursor = begin
        while change < len(changes) and changes[change][0] < end:
            c_start, c_end, replacement = changes[change]
            while c_end > end:  # the match runs into the next token: one segment for both
                end = starts[last] + len(tokens[last])
                last += 1
            pieces += [text[cursor:c_start], replacement]
            cursor = c_end
            change += 1
        pieces.append(text[cursor:end])
        spoken = "".join(pieces)
        segments.append(Segment(token, last, tuple(spoken.split())))
        token = last
    return segments


# -- the rules --------------------------------------------------------------------------------

_NUM = r"(?:\d{1,3}(?:[,.]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
_FREE = r"(?<![\w.,])"  # a number that does not continue a word or another number

Handler = Callable[[re.Match[str], str, Vocabulary | None], str | None]


@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern[str]
    handler: Handler


@dataclass(frozen=True)
class _Rules:
    combined: re.Pattern[str]
    rules: tuple[_Rule, ...]


def _matches(text: str, language: str, lexicon: dict[str, str]):
    compiled = _rules(language, tuple(sorted(lexicon)))
    vocab = vocabulary(language)
    for match in compiled.combined.finditer(text):
        rule = compiled.rules[int(match.lastgroup[1:])]  # type: ignore[index]
        own = rule.regex.match(text, match.start())
        if own is None or own.end() != match.end():
            continue
        if rule.handler is _say_lexicon:
            replacement = _lookup(lexicon, own.group())
        else:
            replacement = rule.handler(own, language, vocab)
        if replacement is not None and replacement != own.group():
            yield match, replacement


def _lookup(lexicon: dict[str, str], found: str) -> str:
    lowered = {term.lower(): said for term, said in lexicon.items()}
    return lexicon.get(found, lowered.get(found.lower(), found))


@lru_cache(maxsize=32)
def _rules(language: str, terms: tuple[str, ...]) -> _Rules:
    vocab = vocabulary(language)
    numbers = speaks_numbers(language)
    english = language == "en"
    table: list[tuple[str, Handler, bool]] = [
        (_lexicon_pattern(terms), _say_lexicon, bool(terms)),
        (URL_RE.pattern, lambda m, lang, v: "", True),
        (_alternation(TECH_TERMS, r"(?<![\w.])", r"(?![\w#+])"), lambda m, lang, v: TECH_TERMS[m.group()], english),
    ]
    if vocab and numbers:
        currencies = _alternation(vocab.currencies)
        scales = _alternation(vocab.scales, "", "")
        table += [
            (rf"(?<![\w$€£¥₹])({currencies})\s?({_NUM})(?:\s?({scales})(?![\w]))?", _say_money_before, True),
            (rf"{_FREE}({_NUM})\s?(?:({scales})\s?)?({currencies})(?!\w)", _say_money_after, True),
            (rf"{_FREE}([-−]?{_NUM})\s?°\s?([CF])(?![a-zA-Z])", _say_temperature, True),
            (rf"{_FREE}([-−+]?{_NUM})(?:\s?[–—-]\s?({_NUM}))?\s?%", _say_percent, True),
        ]
    if english:
        months = "|".join(m[:3] + f"(?:{m[3:]})?" if len(m) > 3 else m for m in MONTHS)
        table += [
            (r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)", _say_iso_date, True),
            (rf"\b({months})\.?\s(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s(\d{{4}}))?(?![\d:])", _say_month_day, True),
            (rf"(?<![\d.,])(\d{{1,2}})(?:st|nd|rd|th)?\s({'|'.join(MONTHS)})(?:,?\s(\d{{4}}))?(?!\d)",
             _say_day_month, True),
            (r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\d/])", _say_slash_date, True),
            (r"(?<![\w.:])(\d{1,2})(?::([0-5]\d))?\s?([aApP])\.?\s?[mM]\.?(?!\w)", _say_clock_12, True),
            (r"(?<![\w.:])([01]?\d|2[0-3]):([0-5]\d)(?![\d:])", _say_clock_24, True),
            (r"(?<![\w'])(?:(1\d|20)|')(\d)0s\b", _say_decade, True),
            (rf"{_FREE}(\d+)(?:st|nd|rd|th)\b", _say_ordinal, True),
            (r"(?<!\w)(?:#|No\.\s?)(\d+)(?!\w)", _say_number_sign, True),
            (r"(?<![\w./])(\d+)/(\d+)(?![\w/])", _say_fraction, True),
            (rf"{_FREE}(\d+(?:\.\d+)?)x(?!\w)", _say_times, True),
        ]
    if numbers:
        table.append((rf"{_FREE}([-−]?{_NUM})\s?(?:–|—|-|to)\s?({_NUM})(?![\w]|[.,]\d)", _say_range, True))
    if vocab and numbers:
        table.append((rf"{_FREE}([-−]?{_NUM})\s?({_alternation(vocab.units, '', '')})(?![\w/²%])", _say_unit, True))
    if english:
        table.append((rf"{_FREE}(\d+)([A-Z]{{1,2}})(?!\w)", _say_number_letters, True))
    if numbers:
        table.append((rf"{_FREE}(?:([-−])(?=\d))?({_NUM})(?!\w)", _say_plain_number, True))
    if vocab and vocab.abbreviations:
        table.append((_alternation(vocab.abbreviations, r"(?<![\w.])", r"(?!\w)"), _say_abbreviation, True))
    if english:
        table.append((r"(?<![\w.&])St\.(?!\w)", _say_saint_or_street, True))
        table.append((r"(?<![\w.&'’])([A-Z]{2,6})((?:'?s)?)(?!\w|[.&'’]\w)", _say_acronym, True))
        table.append((r"(?<=\s)&(?=\s)", lambda m, lang, v: "and", True))
    rules = [
        _Rule(re.compile(pattern, re.IGNORECASE if handler is _say_lexicon else 0), handler)
        for pattern, handler, wanted in table if wanted
    ]
    combined = "|".join(
        f"(?P<r{i}>{'(?i:' + r.regex.pattern + ')' if r.handler is _say_lexicon else r.regex.pattern})"
        for i, r in enumerate(rules)
    )
    return _Rules(re.compile(combined), tuple(rules))


def _alternation(words, before: str = "", after: str = "") -> str:
    body = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return f"{before}(?:{body}){after}"


def _lexicon_pattern(terms: tuple[str, ...]) -> str:
    return _alternation(terms, r"(?<!\w)", r"(?!\w)") if terms else r"(?!x)x"


def _say_lexicon(match, language, vocab) -> str:  # replaced in _matches, which holds the list
    return match.group()


# -- numbers ----------------------------------------------------------------------------------


def _words(number: str, language: str) -> str | None:
    value = parse_number(number, language)
    return None if value is None else say_number(value, language)


def _signed(number: str, language: str, vocab: Vocabulary | None) -> str | None:
    negative = number[:1] in "-−"
    words = _words(number.lstrip("-−+"), language)
    if words is None:
        return None
    return f"{vocab.minus} {words}" if negative and vocab else words


def _say_plain_number(match, language, vocab) -> str | None:
    sign, number = match.group(1), match.group(2)
    if not sign and re.fullmatch(r"1[1-9]\d\d|20\d\d", number):
        return say_year(int(number), language)
    words = _words(number, language)
    if words is None:
        return None
    return f"{vocab.minus if vocab else 'minus'} {words}" if sign else words


def _say_range(match, language, vocab) -> str | None:
    first, second = match.group(1), match.group(2)
    to = vocab.to if vocab else "-"
    if re.fullmatch(r"1[1-9]\d\d|20\d\d", first) and re.fullmatch(r"\d{2}|\d{4}", second):
        start = say_year(int(first), language)
        end = say_year(int(second), language) if len(second) == 4 else _words(second, language)
        return f"{start} {to} {end}" if start and end else None
    start, end = _signed(first, language, vocab), _words(second, language)
    return f"{start} {to} {end}" if start and end else None


def _say_percent(match, language, vocab: Vocabulary) -> str | None:
    first = _signed(match.group(1), language, vocab)
    if first is None:
        return None
    if match.group(2):
        second = _words(match.group(2), language)
        return f"{first} {vocab.to} {second} {vocab.percent}" if second else None
    return f"{first} {vocab.percent}"


def _say_temperature(match, language, vocab: Vocabulary) -> str | None:
    words = _signed(match.group(1), language, vocab)
    scale = vocab.celsius if match.group(2) == "C" else vocab.fahrenheit
    return f"{words} {vocab.degrees} {scale}" if words else None


def _say_unit(match, language, vocab: Vocabulary) -> str | None:
    value = parse_number(match.group(1).lstrip("-−"), language)
    words = _signed(match.group(1), language, vocab)
    if value is None or words is None:
        return None
    one, many = vocab.units[match.group(2)]
    return f"{words} {one if value == 1 else many}"


def _money(number: str, scale: str | None, currency: str, language: str, vocab: Vocabulary) -> str | None:
    value = parse_number(number, language)
    if value is None:
        return None
    one, many = vocab.currencies[currency]
    if scale:
        words = say_number(value, language)
        if not words:
            return None
        scale_word = vocab.scales[scale]
        if scale_word.endswith(" de") and many[:1].lower() in "aeiouéè":
            return f"{words} {scale_word[:-3]} d'{many}"  # "millions d'euros"
        return f"{words} {scale_word} {many}"
    whole, cents = int(value), int((value - int(value)) * 100)
    words = say_number(Decimal(whole), language)
    if words is None:
        return None
    said = f"{words} {one if whole == 1 else many}"
    if cents and re.search(r"[.,]\d\d$", number) and language == "en":
        said += f" and {say_number(Decimal(cents), language)} cent{'s' if cents != 1 else ''}"
    return said


def _say_money_before(match, language, vocab: Vocabulary) -> str | None:
    return _money(match.group(2), match.group(3), match.group(1), language, vocab)


def _say_money_after(match, language, vocab: Vocabulary) -> str | None:
    return _money(match.group(1), match.group(2), match.group(3), language, vocab)


def _say_ordinal(match, language, vocab) -> str | None:
    return say_number(Decimal(match.group(1)), language, to="ordinal")


def _say_number_sign(match, language, vocab) -> str | None:
    words = say_number(Decimal(match.group(1)), language)
    return f"number {words}" if words else None


def _say_fraction(match, language, vocab) -> str | None:
    numerator, denominator = int(match.group(1)), int(match.group(2))
    if denominator == 0:
        return None
    return say_fraction(numerator, denominator, language)


def _say_times(match, language, vocab) -> str | None:
    words = _words(match.group(1), language)
    return f"{words} times" if words else None


def _say_number_letters(match, language, vocab) -> str | None:
    words = say_number(Decimal(match.group(1)), language)
    letters = match.group(2)
    return f"{words} {letters if len(letters) == 1 else say_letters(letters)}" if words else None


# -- dates and times --------------------------------------------------------------------------


def _date(month: int, day: int, year: str | None, language: str) -> str | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    said = f"{MONTHS[month - 1]} {say_number(Decimal(day), language, to='ordinal')}"
    if year:
        number = int(year) if len(year) == 4 else 2000 + int(year)
        said += f", {say_year(number, language)}"
    return said


def _month_number(name: str) -> int:
    return next(i for i, month in enumerate(MONTHS, 1) if month.lower().startswith(name[:3].lower()))


def _say_iso_date(match, language, vocab) -> str | None:
    return _date(int(match.group(2)), int(match.group(3)), match.group(1), language)


def _say_month_day(match, language, vocab) -> str | None:
    return _date(_month_number(match.group(1)), int(match.group(2)), match.group(3), language)


def _say_day_month(match, language, vocab) -> str | None:
    said = _date(_month_number(match.group(2)), int(match.group(1)), None, language)
    if said is None:
        return None
    month, day = said.split(" ", 1)
    year = f" {say_year(int(match.group(3)), language)}" if match.group(3) else ""
    return f"the {day} of {month}{year}"


def _say_slash_date(match, language, vocab) -> str | None:
    first, second = int(match.group(1)), int(match.group(2))
    month, day = (second, first) if first > 12 else (first, second)  # US order unless it cannot be
    return _date(month, day, match.group(3), language)


def _say_clock_12(match, language, vocab) -> str | None:
    hour, minute, half = int(match.group(1)), match.group(2), match.group(3).upper()
    if not 1 <= hour <= 12:
        return None
    said = say_number(Decimal(hour), language)
    if minute and minute != "00":
        said += f" {_minutes(int(minute), language)}"
    return f"{said} {half}.M."


def _say_clock_24(match, language, vocab) -> str | None:
    hour, minute = int(match.group(1)), int(match.group(2))
    said = say_number(Decimal(hour), language)
    return f"{said} {_minutes(minute, language) if minute else 'hundred' if hour > 12 else ''}".strip() + (
        " o'clock" if not minute and hour <= 12 else ""
    )


def _minutes(minute: int, language: str) -> str:
    words = say_number(Decimal(minute), language) or str(minute)
    return f"oh {words}" if minute < 10 else words


def _say_decade(match, language, vocab) -> str | None:
    century, decade = match.group(1), int(match.group(2))
    if century is None:
        words = say_number(Decimal(decade * 10), language) or ""
    else:
        words = say_year(int(century) * 100 + decade * 10, language) or ""
    return words[:-1] + "ies" if words.endswith("y") else words + "s"


# -- words ------------------------------------------------------------------------------------

_TITLES = frozenset({"Dr.", "Mr.", "Mrs.", "Ms.", "Prof.", "Mt.", "Gen.", "Capt.", "Lt.", "Col.", "Sgt.", "Sen.",
                     "Rep.", "Gov.", "Doktor", "M."})


def _say_abbreviation(match, language, vocab: Vocabulary) -> str:
    found = match.group()
    said = vocab.abbreviations[found]
    if found in _TITLES or said.endswith("."):
        return said
    following = match.string[match.end() : match.end() + 2]
    ends_sentence = not following.strip() or (following[:1] == " " and following[1:2].isupper())
    return said + "." if ends_sentence else said


def _say_saint_or_street(match, language, vocab) -> str:
    following = match.string[match.end() : match.end() + 2]
    if following[:1] == " " and following[1:2].isupper() and match.start() > 0:
        before = match.string[max(0, match.start() - 40) : match.start()].split()
        if before and before[-1][:1].isupper():
            return "Street"  # "Main St. London": the street, then a new name
    return "Saint" if following[:1] == " " and following[1:2].isupper() else "Street"


def _say_acronym(match, language, vocab) -> str | None:
    letters, plural = match.group(1), match.group(2)
    if letters in ROMAN or _shouting(match):
        return None
    if letters in ACRONYM_WORDS:
        return letters.capitalize() + ("s" if plural else "")
    return say_letters(letters) + ("'s" if plural else "")


def _shouting(match: re.Match[str]) -> bool:
    """An all-capitals headline ("BREAKING NEWS FROM ...") is words, not acronyms."""
    before = match.string[max(0, match.start() - 40) : match.start()].split()[-1:]
    after = match.string[match.end() : match.end() + 40].split()[:1]
    neighbours = [w for w in before + after if any(c.isalpha() for c in w)]
    return bool(neighbours) and all(w.upper() == w and len(w.strip(".,;:!?\"'")) > 1 for w in neighbours)
