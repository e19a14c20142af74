"""Fitting text into a box: wrapping (spaces, or per character for CJK), the
largest size that fits, balanced line lengths, an ellipsis when nothing fits."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from PIL import ImageDraw

from .fonts import FontFace

ELLIPSIS = "…"
# Characters that must not begin a line in Japanese and Chinese (kinsoku).
_NO_LINE_START = set("、。，．・：；？！ー）」』】〕〉》〙〗｝］'\"’”!?,.:;)]}%‥…ゝゞぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
_NO_LINE_END = set("「『（【〔〈《〘〖｛［([{‘“")


@dataclass(frozen=True)
class Token:
    text: str
    space_before: bool


def _breaks_anywhere(ch: str) -> bool:
    """Scripts written without spaces, where a line may break between characters."""
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK", "HIRAGANA", "KATAKANA", "IDEOGRAPHIC", "FULLWIDTH", "HALFWIDTH"))


def tokenize(text: str) -> list[Token]:
    """Words split on spaces; inside CJK runs, one token per character (with
    punctuation kept on the character it follows)."""
    tokens: list[Token] = []
    for word in text.split():
        space = bool(tokens)
        current = prev = ""
        for ch in word:
            if (
                current
                and ch not in _NO_LINE_START
                and prev not in _NO_LINE_END
                and (_breaks_anywhere(ch) or _breaks_anywhere(prev))
            ):
                tokens.append(Token(current, space))
                space, current = False, ""
            current += ch
            prev = ch
        if current:
            tokens.append(Token(current, space))
    return tokens


def join(tokens: list[Token]) -> str:
    return "".join((" " if t.space_before and i else "") + t.text for i, t in enumerate(tokens))


def _word_count(tokens: list[Token]) -> float:
    # A CJK character is about a third of a word when counting words per line.
    return sum(1.0 if not _breaks_anywhere(t.text[0]) else 0.34 for t in tokens)


class _Measure:
    """Token widths, measured once per font size: wrapping adds them up instead of
    re-measuring every candidate line (kerning across a space is negligible)."""

    def __init__(self, font) -> None:
        self.font = font
        self._widths: dict[str, float] = {}
        self.space = font.getlength(" ")

    def __call__(self, text: str) -> float:
        width = self._widths.get(text)
        if width is None:
            width = self._widths[text] = self.font.getlength(text)
        return width


def _split_long(token: Token, measure: _Measure, max_width: float) -> list[Token]:
    """Hard-break a word wider than the line, never before a combining mark."""
    pieces: list[Token] = []
    current = ""
    for ch in token.text:
        mark = unicodedata.category(ch) in ("Mn", "Mc")
        if current and not mark and measure.font.getlength(current + ch) > max_width:
            pieces.append(Token(current, token.space_before if not pieces else False))
            current = ch
        else:
            current += ch
    pieces.append(Token(current, token.space_before if not pieces else False))
    return pieces


def wrap(text: str, font, max_width: float, max_words: int | None = None, measure: _Measure | None = None) -> list[str]:
    """Greedy wrapping by measured width (and at most ``max_words`` per line)."""
    measure = measure or _Measure(font)
    lines: list[list[Token]] = []
    line: list[Token] = []
    line_width = 0.0
    for token in tokenize(text):
        parts = [token] if measure(token.text) <= max_width else _split_long(token, measure, max_width)
        for part in parts:
            added = measure(part.text) + (measure.space if part.space_before and line else 0.0)
            too_wide = line_width + added > max_width
            too_many = max_words is not None and _word_count(line + [part]) > max_words + 0.01
            if line and (too_wide or too_many):
                lines.append(line)
                line, line_width = [Token(part.text, False)], measure(part.text)
            else:
                line.append(part)
                line_width += added
    if line:
        lines.append(line)
    return [join(t) for t in lines]


@dataclass(frozen=True)
class TextBlock:
    face: FontFace
    size: int
    lines: tuple[str, ...]
    line_height: int
    width: int  # widest line, px
    truncated: bool
    broken_words: bool = False  # a word wider than the line had to be split

    @property
    def font(self):
        return self.face.get(self.size)

    @property
    def height(self) -> int:
        if not self.lines:
            return 0
        ascent, descent = self.font.getmetrics()
        return self.line_height * (len(self.lines) - 1) + ascent + descent

    @property
    def cap_height(self) -> int:
        box = self.font.getbbox("H")
        return box[3] - box[1]


def _layout(text, face, size, max_width, max_words, spacing, measures: dict | None = None) -> TextBlock:
    font = face.get(size)
    measures = {} if measures is None else measures
    if size not in measures:
        measures[size] = _Measure(font)
    measure = measures[size]
    lines = wrap(text, font, max_width, max_words, measure)
    width = max((int(measure(line)) + 1 for line in lines), default=0)
    broken = any(measure(t.text) > max_width for t in tokenize(text))
    return TextBlock(face, size, tuple(lines), int(size * spacing), width, False, broken)


def fit_text(
    text: str,
    face: FontFace,
    *,
    max_width: float,
    max_height: float,
    max_size: int,
    min_size: int,
    max_lines: int | None = None,
    max_words: int | None = None,
    spacing: float = 1.12,
    balance: bool = True,
) -> TextBlock:
    """The largest size in [min_size, max_size] at which ``text`` fits; below that,
    ``min_size`` with as many lines as fit and an ellipsis."""

    def fits(block: TextBlock, allow_broken: bool) -> bool:
        return (block.height <= max_height and (max_lines is None or len(block.lines) <= max_lines)
                and (allow_broken or not block.broken_words))

    measures: dict[int, _Measure] = {}
    best = None
    # Prefer a size at which no word has to be split; split words only when none fits.
    for allow_broken in (False, True):
        lo, hi = min_size, max(min_size, max_size)
        while lo <= hi:
            mid = (lo + hi) // 2
            block = _layout(text, face, mid, max_width, max_words, spacing, measures)
            if fits(block, allow_broken):
                best, lo = block, mid + 1
            else:
                hi = mid - 1
        if best is not None:
            break
    if best is None:
        block = _layout(text, face, min_size, max_width, max_words, spacing, measures)
        return _truncate(block, max_width, max_height, max_lines)
    return _balanced(best, text, max_words, spacing, measures) if balance and len(best.lines) > 1 else best


def _balanced(block: TextBlock, text: str, max_words, spacing, measures) -> TextBlock:
    """Narrow the wrap width while the line count stays the same, so the last line
    is not a lone word."""
    lo, hi = block.width // 2, block.width
    best = block
    while hi - lo > 4:
        mid = (lo + hi) // 2
        trial = _layout(text, block.face, block.size, mid, max_words, spacing, measures)
        if len(trial.lines) == len(block.lines) and trial.broken_words <= block.broken_words:
            best, hi = trial, mid
        else:
            lo = mid
    return best


def _truncate(block: TextBlock, max_width: float, max_height: float, max_lines: int | None) -> TextBlock:
    font = block.font
    ascent, descent = font.getmetrics()
    room = max(1, int((max_height - ascent - descent) // block.line_height) + 1)
    if max_lines is not None:
        room = min(room, max_lines)
    if len(block.lines) <= room:
        return block
    lines = list(block.lines[:room])
    last = lines[-1]
    while last and font.getlength(last.rstrip(" ,.;:–-") + ELLIPSIS) > max_width:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    lines[-1] = last.rstrip(" ,.;:–-") + ELLIPSIS
    width = max(int(font.getlength(line)) for line in lines)
    return TextBlock(block.face, block.size, tuple(lines), block.line_height, width, True, block.broken_words)


def is_rtl(text: str) -> bool:
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def draw_block(
    draw: ImageDraw.ImageDraw,
    block: TextBlock,
    xy: tuple[float, float],
    *,
    fill,
    box_width: float | None = None,
    align: str = "left",
    stroke_width: int = 0,
    stroke_fill=None,
    line_fills: list | None = None,
) -> None:
    """Draw the lines with their tops at ``xy``; ``align`` inside ``box_width``."""
    font = block.font
    x0, y = xy
    width = box_width if box_width is not None else block.width
    if align == "left" and any(is_rtl(line) for line in block.lines):
        align = "right"
    for i, line in enumerate(block.lines):
        length = font.getlength(line)
        x = x0 + {"left": 0, "center": (width - length) / 2, "right": width - length}[align]
        color = line_fills[i] if line_fills else fill
        draw.text((x, y), line, font=font, fill=color, anchor="la",
                  stroke_width=stroke_width, stroke_fill=stroke_fill)
        y += block.line_height
