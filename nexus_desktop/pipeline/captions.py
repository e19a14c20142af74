"""Word timings to captions: short readable cues, as SRT, WebVTT and a styled ASS per format.

A cue holds at most two lines that fit the format's caption width (measured with
the caption font itself, and capped in characters so a line reads at a glance);
a cue ends at a sentence end or a pause. Lines break between phrases where they
can (not after "the" or "of"), a number stays with its unit ("91 percent",
"$18.5 million"), and a cue never ends on a one-word line when the line above
can give it a word. A word lights up on the frame that contains its start. The ASS file places the captions inside
the format's safe area, above the bottom margin (for 9:16 clear of the bottom
fifth and of the button column on the right), on a translucent box in the
brand's colours, with the word being spoken in the accent colour.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..domain.content import VideoFormat, WordTiming

MAX_LINES = 2
MAX_CUE_SECONDS = 5.0
PAUSE_SECONDS = 0.7  # a silence this long starts a new cue
LINGER_SECONDS = 0.8  # how long a cue stays after its last word when nothing follows
FLICKER_SECONDS = 0.3  # a blank shorter than this between two cues would only flicker
# BorderStyle 4 would also stroke every glyph in OutlineColour (dark halos, and the costliest
# part of drawing a caption); a fully transparent outline leaves only the box.
_NO_OUTLINE = "&HFF000000"
_SENTENCE_END = (".", "!", "?", "…", "。", "！", "？")
# A line does not end on these: they lead into the words after them.
_LEADING = frozenset("a an the of to in on at by for with from and or but as that this its their our your "
                     "his her is are was were be will would can could than into over under about".split())
_NUMBER = re.compile(r"^[$€£¥]?\d[\d,.]*[%°]?[A-Za-z]{0,2}$")
_UNIT_SKIP = frozenset("and or but to of in on at by for with from as than that which who".split())


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[tuple[WordTiming, ...], ...]

    @property
    def words(self) -> tuple[WordTiming, ...]:
        return tuple(w for line in self.lines for w in line)

    @property
    def text(self) -> str:
        return "\n".join(" ".join(w.word for w in line) for line in self.lines)


@dataclass(frozen=True)
class CaptionLayout:
    """Where captions go in one format, in that format's pixels.

    Captions are drawn on a strip (x, y, width, height) that lies inside the safe
    area, just above its bottom edge; margins are inside the strip.
    """

    font_size: int
    max_chars: int
    box_padding: int
    x: int
    y: int
    width: int
    height: int
    margin: int  # from the strip's left, right and bottom edges to the text

    @property
    def max_width(self) -> int:
        """The widest a line of text may be."""
        return self.width - 2 * self.margin


def layout_for(fmt: VideoFormat) -> CaptionLayout:
    safe = fmt.safe
    portrait = fmt.aspect < 0.8
    # 9:16 is watched on a phone at arm's length: its captions are the largest.
    font_size = round(fmt.width * 0.068) if portrait else round(min(fmt.height * 0.05, fmt.width * 0.055))
    padding = max(4, round(font_size * 0.25))
    margin = round(min(fmt.width, fmt.height) * 0.02) + padding  # air between the box and the safe-area edge
    left = _even(fmt.width * safe.left, math.ceil)
    right = _even(fmt.width * (1 - safe.right), math.floor)
    bottom = _even(fmt.height * (1 - safe.bottom), math.floor)
    height = _even(MAX_LINES * font_size * 1.3 + padding + margin + font_size * 0.5, math.ceil)
    max_chars = 42 if fmt.aspect >= 1.25 else 24 if portrait else 36
    return CaptionLayout(font_size, max_chars, padding, left, bottom - height, right - left, height, margin)


def _even(value: float, rounding: Callable[[float], int]) -> int:
    return int(rounding(value / 2) * 2)


def build_cues(words: Sequence[WordTiming], duration: float, fits: Callable[[str], bool], *,
               max_lines: int = MAX_LINES) -> list[Cue]:
    """Group words into cues whose lines all satisfy ``fits``; times stay inside [0, duration]."""
    groups: list[list[list[WordTiming]]] = []
    lines: list[list[WordTiming]] = []
    for unit in _units([w for w in words if w.word.strip()]):
        if lines and _starts_new_cue(lines, unit[0]):
            tail = [] if _ends_sentence(lines[-1][-1]) else _sentence_tail(lines, list(unit), fits)
            groups.append(lines)
            lines = [tail] if tail else []
        if not lines:
            lines = [list(unit)]
        elif fits(_text([*lines[-1], *unit])):
            lines[-1].extend(unit)
        elif len(lines) < max_lines:
            lines.append(_carry_lead(lines[-1], list(unit), fits))
        else:
            tail = _sentence_tail(lines, list(unit), fits)
            groups.append(lines)
            lines = [[*tail, *unit]]
    if lines:
        groups.append(lines)
    return _timed([_no_orphan(g, fits) for g in groups], duration)


def _text(words: Sequence[WordTiming]) -> str:
    return " ".join(w.word for w in words)


def _units(words: list[WordTiming]) -> list[list[WordTiming]]:
    """Words that stay on one line: a number and the unit after it (not the next
    sentence's first word: "2027. Engineers")."""
    units: list[list[WordTiming]] = []
    for word in words:
        previous = units[-1][-1] if units else None
        if (previous is not None and _NUMBER.match(previous.word) and word.word[:1].isalpha()
                and not previous.word.rstrip("\"'”’)»").endswith((*_SENTENCE_END, ",", ";", ":"))
                and word.word.lower().strip(".,;:!?") not in _UNIT_SKIP and len(units[-1]) == 1):
            units[-1].append(word)
        else:
            units.append([word])
    return units


def _carry_lead(line: list[WordTiming], unit: list[WordTiming], fits: Callable[[str], bool]) -> list[WordTiming]:
    """Break before a phrase rather than inside it: a line ending on "the" or "of"
    hands those words to the next line, if it keeps a word and the next line fits."""
    moved: list[WordTiming] = []
    while len(line) > 1 and line[-1].word.lower() in _LEADING and not _NUMBER.match(line[-1].word):
        candidate = [line[-1], *moved, *unit]
        if not fits(_text(candidate)):
            break
        moved.insert(0, line.pop())
    return [*moved, *unit]


def _ends_sentence(word: WordTiming) -> bool:
    return word.word.rstrip("\"'”’)»").endswith(_SENTENCE_END)


def _sentence_tail(lines: list[list[WordTiming]], unit: list[WordTiming],
                   fits: Callable[[str], bool]) -> list[WordTiming]:
    """A sentence's last word that spills into a new cue takes its phrase with it
    ("which open in 2027." rather than "2027. Engineers in…", "from Field Notes."
    rather than "Notes." alone): the words after the last line's last comma (four
    at most), else its last two; a one-line cue keeps two words."""
    line = lines[-1]
    keep = 2 if len(lines) == 1 else 0
    if len(line) <= keep or not _ends_sentence(unit[-1]):
        return []
    commas = [i for i, w in enumerate(line[:-1]) if w.word.endswith((",", ";", ":"))]
    start = commas[-1] + 1 if commas and len(line) - commas[-1] - 1 <= 4 else len(line) - 2
    start = max(start, keep, 0)
    if 0 < start < len(line) and len(_units(line[start - 1:start + 1])) == 1:
        start -= 1  # never between a number and its unit
    if start < keep:
        return []
    tail = line[start:]
    if not tail or not fits(_text([*tail, *unit])):
        return []
    del line[start:]
    if not line:
        lines.pop()
    return tail


def _no_orphan(lines: list[list[WordTiming]], fits: Callable[[str], bool]) -> list[list[WordTiming]]:
    """A last line of one word takes the word before it from the line above."""
    if len(lines) < 2 or len(lines[-1]) != 1 or len(lines[-2]) < 3:
        return lines
    above, last = lines[-2], lines[-1]
    moved = [above[-1]]
    if len(above) >= 2 and _NUMBER.match(above[-2].word) and _units([above[-2], above[-1]])[0] == above[-2:]:
        moved = above[-2:]
    if len(above) - len(moved) < 1 or not fits(_text([*moved, *last])):
        return lines
    return [*lines[:-2], above[:-len(moved)], [*moved, *last]]


def _starts_new_cue(lines: list[list[WordTiming]], word: WordTiming) -> bool:
    previous, first = lines[-1][-1], lines[0][0]
    return (previous.word.rstrip("\"'”’)»").endswith(_SENTENCE_END)
            or word.start - previous.end > PAUSE_SECONDS
            or word.end - first.start > MAX_CUE_SECONDS)


def _timed(groups: list[list[list[WordTiming]]], duration: float) -> list[Cue]:
    cues: list[Cue] = []
    for i, lines in enumerate(groups):
        start = min(max(lines[0][0].start, cues[-1].end if cues else 0.0), duration)
        last_end = lines[-1][-1].end
        following = groups[i + 1][0][0].start if i + 1 < len(groups) else duration
        linger = last_end + LINGER_SECONDS
        end = following if following - linger < FLICKER_SECONDS else linger
        end = max(start, min(end, following, duration))
        if end - start < 0.05:  # words squeezed into nothing: no readable cue
            continue
        cues.append(Cue(round(start, 3), round(end, 3), tuple(tuple(line) for line in lines)))
    return cues


def _clock(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def srt_text(cues: Sequence[Cue]) -> str:
    blocks = [f"{n}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n{_srt_plain(c.text)}\n" for n, c in enumerate(cues, 1)]
    return "\n".join(blocks)


# The tags SRT players act on (<i>, <b>, <u>, <s>, <font …>) and ASS overrides ({\an8}); other text stays.
_SRT_MARKUP = re.compile(r"</?(?:i|b|u|s|font)(?:\s[^<>]*)?>|\{\\[^{}]*\}", re.I)


def _srt_plain(text: str) -> str:
    """Words from an article as words: tags players would act on are dropped."""
    return _SRT_MARKUP.sub("", text)


def vtt_text(cues: Sequence[Cue]) -> str:
    def escape(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    blocks = [f"{_clock(c.start, '.')} --> {_clock(c.end, '.')}\n{escape(c.text)}\n" for c in cues]
    return "WEBVTT\n\n" + "\n".join(blocks)


@dataclass(frozen=True)
class CaptionStyle:
    font_family: str
    bold: bool
    text_color: str  # "#RRGGBB"
    highlight_color: str
    box_color: str
    box_opacity: float = 0.72


def ass_text(cues: Sequence[Cue], layout: CaptionLayout, style: CaptionStyle, fps: int) -> str:
    """An ASS script for libass, sized to the caption strip: one event per spoken
    word, that word highlighted, timed in whole frames."""
    box = _ass_color(style.box_color, style.box_opacity)
    header = "\n".join([
        "[Script Info]",
        "ScriptType: v4.00+",
        f"PlayResX: {layout.width}",
        f"PlayResY: {layout.height}",
        "WrapStyle: 2",  # lines are broken here, never by the renderer
        "ScaledBorderAndShadow: yes",
        "YCbCr Matrix: None",
        "",
        "[V4+ Styles]",
        ("Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
         "Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, "
         "Alignment, MarginL, MarginR, MarginV, Encoding"),
        # BorderStyle 4 (libass) draws one box in BackColour behind the whole event, Outline pixels around it.
        (f"Style: Caption,{style.font_family},{layout.font_size},{_ass_color(style.text_color)},"
         f"{_ass_color(style.highlight_color)},{_NO_OUTLINE},{box},{-1 if style.bold else 0},0,0,0,100,100,0,0,4,"
         f"{layout.box_padding},0,2,{layout.margin},{layout.margin},{layout.margin},1"),
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ])
    highlight = _ass_color(style.highlight_color)
    events = []
    for cue in cues:
        for word, (start, end) in zip(cue.words, _word_spans(cue)):
            first, stop = _frame(start, fps), _frame(end, fps)
            if stop <= first:
                continue
            text = r"\N".join(" ".join(_ass_word(w, highlight if w is word else None) for w in line)
                              for line in cue.lines)
            events.append(f"Dialogue: 0,{_ass_clock(first, fps)},{_ass_clock(stop, fps)},Caption,,0,0,0,,{text}")
    return header + "\n" + "\n".join(events) + "\n"


def _ass_word(word: WordTiming, color: str | None) -> str:
    # Braces open override blocks and a backslash starts a tag: keep both out of the text.
    text = word.word.replace("\\", "/").replace("{", "(").replace("}", ")")
    return f"{{\\1c{_bgr(color)}}}{text}{{\\r}}" if color else text


def _bgr(ass_color: str) -> str:
    # "&H00BBGGRR" -> "&HBBGGRR&" (colour override tags carry no alpha)
    return f"&H{ass_color[4:]}&"


def _ass_color(hex_rgb: str, opacity: float = 1.0) -> str:
    rgb = hex_rgb.lstrip("#")
    alpha = round((1.0 - opacity) * 255)
    return f"&H{alpha:02X}{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}".upper()


def _ass_clock(frame: int, fps: int) -> str:
    # ASS counts centiseconds and libass shows an event while start <= now < end;
    # half a centisecond before the frame's time keeps float rounding from moving it a frame.
    centis = max(0, math.floor(frame * 100 / fps - 0.5))
    hours, centis = divmod(centis, 360_000)
    minutes, centis = divmod(centis, 6000)
    secs, centis = divmod(centis, 100)
    return f"{hours}:{minutes:02d}:{secs:02d}.{centis:02d}"


def change_frames(cues: Sequence[Cue], fps: int) -> list[int]:
    """The frames on which the burned-in captions change (a cue starts or ends,
    the next word lights up), starting with frame 0."""
    frames = {0}
    for cue in cues:
        for start, end in _word_spans(cue):
            frames.update((_frame(start, fps), _frame(end, fps)))
    return sorted(frames)


def _frame(seconds: float, fps: int) -> int:
    """The frame that contains ``seconds``: a word lights up on the frame in which
    the voice starts it, never one frame later by rounding up."""
    return math.floor(seconds * fps + 1e-6)


def word_frames(cues: Sequence[Cue], fps: int) -> list[tuple[float, int]]:
    """Each spoken word's start and the frame its highlight appears on."""
    return [(word.start, _frame(span[0], fps)) for cue in cues
            for word, span in zip(cue.words, _word_spans(cue))]


def _word_spans(cue: Cue) -> list[tuple[float, float]]:
    """When each word of the cue is the highlighted one."""
    words = cue.words
    spans = []
    for i, word in enumerate(words):
        start = cue.start if i == 0 else max(word.start, cue.start)
        end = cue.end if i == len(words) - 1 else min(words[i + 1].start, cue.end)
        spans.append((start, end))
    return spans


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="\n")
    return path
