"""A regex sentence splitter and a spoken-length word count (no NLTK data).

The splitter errs on the side of not splitting: a missed boundary makes one long
sentence, a false one makes two fragments, and fragments read badly aloud.
"""

from __future__ import annotations

import re

# Never end a sentence: titles, "e.g.", "vs.", initials are handled separately.
_NEVER_FINAL = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "v", "e.g", "i.e", "cf", "fig", "figs",
     "gen", "gov", "sen", "rep", "lt", "col", "capt", "sgt", "cmdr", "adm", "rev", "hon", "pres", "approx",
     "dept", "est", "no", "nos", "vol", "pp", "ch", "sec", "art", "ref", "z.b", "bzw", "ca", "nr", "s", "p"}
)
# May end a sentence ("... at 9 a.m. The bus ...") or not ("the U.S. Senate").
_MAYBE_FINAL = frozenset(
    {"etc", "inc", "ltd", "co", "corp", "llc", "plc", "u.s", "u.k", "u.n", "e.u", "a.m", "p.m", "jan", "feb",
     "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
)
# After a _MAYBE_FINAL abbreviation, these words start a new sentence.
_STARTERS = frozenset(
    {"the", "a", "an", "it", "its", "he", "she", "they", "we", "i", "you", "this", "that", "these", "those",
     "there", "in", "on", "at", "but", "and", "so", "if", "when", "while", "after", "before", "since", "as",
     "his", "her", "their", "our", "my", "what", "why", "how", "who", "some", "many", "most", "for", "however"}
)

# A candidate boundary: terminal punctuation, closing quotes/brackets, then space.
# Besides Latin marks: Devanagari danda, Arabic question mark and full stop,
# Armenian, Ethiopic, Khmer and Burmese full stops; a Greek question mark looks like ';'.
_BOUNDARY = re.compile(r"(?:[.!?…।॥؟۔։።។။]+|[;;](?=\s+[\u0370-\u03ff]))[\"'”’»)\]]*(?=\s+)")
_NEXT_TOKEN = re.compile(r"\s+([\"'“‘«(\[]*)(\S+)")
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u0e00-\u0e7f]")
STOPS = ".!?…。！？;;।॥؟۔։።។။"
TERMINAL = (*STOPS, '"', "”", "’", "'", "»", ")", "]", "」", "』")


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph, verbatim, with their punctuation."""
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(paragraph):
        if _is_boundary(paragraph, match):
            piece = paragraph[start:match.end()].strip()
            if piece:
                sentences.append(piece)
            start = match.end()
    tail = paragraph[start:].strip()
    if tail:
        sentences.append(tail)
    return [part for sentence in sentences for part in _split_cjk(sentence)]


def _is_boundary(text: str, match: re.Match[str]) -> bool:
    following = _NEXT_TOKEN.match(text, match.end())
    if not following:
        return True
    opener, word = following.groups()
    first = word[0]
    if not (first.isupper() or first.isdigit() or opener or not first.isalpha() or _is_caseless(first)):
        return False  # "e.g. some", "3 p.m. on Friday"
    if not match.group().startswith("."):
        return True
    token = text[text.rfind(" ", 0, match.start()) + 1 : match.start()].lower().lstrip("\"'“‘«([.")
    if token in _NEVER_FINAL or (len(token) == 1 and token.isalpha()):
        return False  # "Dr. Smith", "J. Smith"
    if token in _MAYBE_FINAL:
        return word.strip("\"'“‘«(").lower() in _STARTERS
    return True


def _is_caseless(char: str) -> bool:
    return char.isalpha() and char.lower() == char.upper()


def _split_cjk(sentence: str) -> list[str]:
    """Split at full-width end marks that are not inside 「quotes」."""
    if not _CJK_CHAR.search(sentence):
        return [sentence]
    parts, start, depth = [], 0, 0
    for index, char in enumerate(sentence):
        depth += (char in "「『（") - (char in "」』）")
        if char in "。！？" and depth <= 0 and sentence[index + 1 : index + 2] not in ("」", "』", "）", "！", "？"):
            parts.append(sentence[start : index + 1].strip())
            start = index + 1
    parts.append(sentence[start:].strip())
    return [p for p in parts if p]


def word_count(text: str) -> float:
    """Spoken length in English-word equivalents: CJK characters count half a word."""
    cjk = len(_CJK_CHAR.findall(text))
    if not cjk:
        return len(text.split())
    return len(_CJK_CHAR.sub(" ", text).split()) + cjk / 2


def is_terminated(sentence: str) -> bool:
    return sentence.rstrip().endswith(TERMINAL) and any(ch in sentence for ch in STOPS)
