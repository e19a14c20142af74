"""The second and third look of the offline shots, so a video without photos does
not run the same dark card and the same centred disc shot after shot.

A shot's ``look`` (0, 1 or 2, from its place in the video) picks its background's
colours (``shot_palette``) and its layout: a kinetic phrase in centred rising words
(0), as a marker-highlighted block sliding in (1) or as big stacked words over an
accent bar (2); an illustrated keyword as an icon in a disc (0), beside (16:9) or
under (9:16, 1:1) its label (1), or on an accent tile (2); a percentage as a ring
that fills while the number counts up. Everything is drawn here once per shot; the
render only moves the layers (rise, slide, bob), as for look 0.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from ...domain.content import VideoFormat
from .art import mix, shift_hue
from .base import Palette
from .fonts import FontFace
from .icons import glyph, icon_font
from .pillow_cards import Box, readable_on
from .text import draw_block, fit_text

WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
LOOKS = 3


def shot_palette(palette: Palette, look: int) -> Palette:
    """The brand's colours for look 0; for looks 1 and 2 a field of the primary colour
    and one of its neighbour hue, deep enough for white text."""
    if look % LOOKS == 1:  # a teal neighbour of the primary
        second = shift_hue(palette.primary, -45)
        return Palette(mix(second, BLACK, 0.62), mix(second, BLACK, 0.15), palette.accent, palette.text)
    if look % LOOKS == 2:  # a plum neighbour
        second = shift_hue(palette.primary, 85)
        return Palette(mix(second, BLACK, 0.6), mix(second, BLACK, 0.2), palette.accent, palette.text)
    return palette


def _inner(region: Box) -> Box:
    """The part of the card region these layouts use: a little inside it, like look 0's.
    Every layer of a format is laid on one canvas in the render (their common bounding
    box, blended on each frame that shows layers), so a layout that reached further out
    would make every frame of the video dearer."""
    dx, dy = round(region.width * 0.03), round(region.height * 0.1)
    return Box(region.left + dx, region.top + dy, region.right - dx, region.bottom)


def _narrow(fmt: VideoFormat) -> float:
    """How much of the region's width a text block may take: three quarters in 16:9 (the
    layer canvas stays as narrow as look 0's), all of it in the taller formats, where a
    long word ("NAIL-PENETRATION") would otherwise be split."""
    return 0.75 if fmt.width > fmt.height * 1.2 else 1.0


def _canvas(fmt: VideoFormat) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGBA", (fmt.width, fmt.height), (0, 0, 0, 0))
    return image, ImageDraw.Draw(image)


def _stroke(size: int) -> int:
    return max(2, size // 14)


def _word_lines(fmt: VideoFormat, block, y: int, x_of, draw_word, piece, start_of, motion: str) -> list:
    """A title's lines, each on a canvas of its own so each enters after the one before:
    ``x_of(line)`` is where the line starts, ``draw_word(draw, x, y, word, n)`` draws word
    ``n`` (counted over every line), ``start_of(k)`` is when line ``k`` enters."""
    pieces, n = [], 0
    for k, line in enumerate(block.lines):
        canvas, draw = _canvas(fmt)
        x = x_of(line)
        for word in line.split():
            draw_word(draw, x, y, word, n)
            x += block.font.getlength(word + " ")
            n += 1
        made = piece(canvas, start=start_of(k), motion=motion)
        if made:
            pieces.append(made)
        y += block.line_height
    return pieces


def marker_title(fmt: VideoFormat, region: Box, text: str, face: FontFace, palette: Palette, accent_word: int,
                 piece) -> list:
    """Look 1: the phrase in capitals, left-aligned, one line after another sliding in;
    its key word on an accent-coloured marker."""
    region = _inner(region)
    s = min(fmt.width, fmt.height)
    block = fit_text(text.upper(), face, max_width=region.width * _narrow(fmt), max_height=region.height * 0.75,
                     max_size=round(s * 0.14), min_size=round(s * 0.05), max_words=2, spacing=1.22)
    font = block.font
    left = region.left + (region.width - block.width) // 2
    y = region.top + (region.height - block.height) // 2
    accent = palette.accent
    on_accent = readable_on(accent, BLACK)
    pad = round(block.size * 0.12)

    def draw_word(draw: ImageDraw.ImageDraw, x: float, y: int, word: str, n: int) -> None:
        if n == accent_word:
            top, bottom = y - pad // 2, y + round(block.size * 1.02) + pad // 2
            draw.rectangle((x - pad, top, x + font.getlength(word) + pad, bottom), fill=(*accent, 255))
            draw.text((x, y), word, font=font, fill=(*on_accent, 255), anchor="la")
        else:
            draw.text((x, y), word, font=font, fill=(*WHITE, 255), anchor="la", stroke_width=_stroke(block.size),
                      stroke_fill=(*BLACK, 255))

    return _word_lines(fmt, block, y, lambda line: left, draw_word, piece, lambda k: round(k * 0.22, 3), "slide")


def stacked_title(fmt: VideoFormat, region: Box, text: str, face: FontFace, palette: Palette, accent_word: int,
                  piece) -> list:
    """Look 2: one or two words a line, as big as they fit, the key word in the accent
    colour, with an accent bar under them that rises first."""
    region = _inner(region)
    s = min(fmt.width, fmt.height)
    block = fit_text(text, face, max_width=region.width * _narrow(fmt), max_height=region.height * 0.7,
                     max_size=round(s * 0.17), min_size=round(s * 0.07), max_words=2, spacing=1.04)
    font = block.font
    y = region.top + (region.height - block.height) // 2
    accent = readable_on(BLACK, palette.accent, 3.0)
    canvas, draw = _canvas(fmt)
    bar_w, bar_h = round(s * 0.16), max(6, round(s * 0.014))
    cx = region.left + region.width // 2
    bar_y = y + block.height + 2 * bar_h
    draw.rectangle((cx - bar_w // 2, bar_y, cx + bar_w // 2, bar_y + bar_h), fill=(*palette.accent, 255))
    pieces = [p for p in [piece(canvas, motion="rise")] if p]

    def draw_word(draw: ImageDraw.ImageDraw, x: float, y: int, word: str, n: int) -> None:
        fill = accent if n == accent_word else WHITE
        draw.text((x, y), word, font=font, fill=(*fill, 255), anchor="la", stroke_width=_stroke(block.size),
                  stroke_fill=(*BLACK, 255))

    return pieces + _word_lines(fmt, block, y, lambda line: region.left + (region.width - font.getlength(line)) / 2,
                                draw_word, piece, lambda k: round(0.12 + k * 0.2, 3), "rise")


def side_icon(fmt: VideoFormat, region: Box, name: str, keyword: str, face: FontFace, palette: Palette,
              piece) -> list:
    """Look 1: the icon on a ring of the look's second colour, its label beside it in
    16:9 and above it in the taller formats."""
    region = _inner(region)
    char, s = glyph(name), min(fmt.width, fmt.height)
    if char is None:
        return []
    wide = fmt.width > fmt.height * 1.2
    size = round(min(region.height * (0.66 if wide else 0.5), region.width * (0.4 if wide else 0.72)))
    label_w = round(region.width * 0.75) - size - round(s * 0.06) if wide else region.width
    block = fit_text(keyword.upper(), face, max_width=label_w, max_height=region.height * (0.6 if wide else 0.3),
                     max_size=round(s * 0.1), min_size=round(s * 0.05), max_words=2, spacing=1.08) if keyword else None
    if wide:
        total = size + round(s * 0.06) + (block.width if block else 0)
        icon_x = region.left + (region.width - total) // 2
        icon_y = region.top + (region.height - size) // 2
        text_xy = (icon_x + size + round(s * 0.06), region.top + (region.height - (block.height if block else 0)) // 2)
        align = "left"
    else:
        gap = round(s * 0.05)
        total = size + (block.height + gap if block else 0)
        text_xy = (region.left, region.top + (region.height - total) // 2)
        icon_x = region.left + (region.width - size) // 2
        icon_y = text_xy[1] + (block.height + gap if block else 0)
        align = "center"
    canvas, draw = _canvas(fmt)
    ring = max(6, size // 22)
    draw.ellipse((icon_x, icon_y, icon_x + size, icon_y + size), fill=(*mix(palette.background, BLACK, 0.35), 200),
                 outline=(*palette.primary, 255), width=ring)
    font = icon_font(round(size * 0.58))
    draw.text((icon_x + size // 2, icon_y + size // 2), char, font=font, fill=(*palette.accent, 255), anchor="mm")
    pieces = [p for p in [piece(canvas, motion="bob")] if p]
    if block is not None:
        canvas, draw = _canvas(fmt)
        draw_block(draw, block, text_xy, fill=(*WHITE, 255), box_width=label_w, align=align,
                   stroke_width=_stroke(block.size), stroke_fill=(*BLACK, 255))
        made = piece(canvas, start=0.15, motion="slide" if wide else "rise")
        if made:
            pieces.append(made)
    return pieces


def tile_icon(fmt: VideoFormat, region: Box, name: str, keyword: str, face: FontFace, palette: Palette,
              piece) -> list:
    """Look 2: the icon dark on a rounded accent tile, its label in a pill under it."""
    region = _inner(region)
    char, s = glyph(name), min(fmt.width, fmt.height)
    if char is None:
        return []
    size = round(min(region.width * 0.62, region.height * 0.5, s * 0.46))
    block = fit_text(keyword.upper(), face, max_width=region.width * 0.86, max_height=region.height * 0.22,
                     max_size=round(s * 0.075), min_size=round(s * 0.045), max_words=3, spacing=1.08) \
        if keyword else None
    gap, pad = round(s * 0.05), round(s * 0.03)
    pill_h = (block.height + 2 * pad) if block else 0
    top = region.top + (region.height - size - (gap + pill_h if block else 0)) // 2
    cx = region.left + region.width // 2
    canvas, draw = _canvas(fmt)
    draw.rounded_rectangle((cx - size // 2, top, cx + size // 2, top + size), radius=size // 5,
                           fill=(*palette.accent, 255))
    font = icon_font(round(size * 0.62))
    draw.text((cx, top + size // 2), char, font=font, fill=(*readable_on(palette.accent, BLACK), 255), anchor="mm")
    pieces = [p for p in [piece(canvas, motion="bob")] if p]
    if block is not None:
        canvas, draw = _canvas(fmt)
        pill_w = block.width + 3 * pad
        y = top + size + gap
        draw.rounded_rectangle((cx - pill_w // 2, y, cx + pill_w // 2, y + pill_h), radius=pill_h // 2,
                               fill=(*mix(palette.background, BLACK, 0.4), 235))
        draw_block(draw, block, (cx - pill_w // 2, y + pad), fill=(*WHITE, 255), box_width=pill_w, align="center")
        made = piece(canvas, start=0.2, motion="rise")
        if made:
            pieces.append(made)
    return pieces


def ring(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], share: float, palette: Palette) -> None:
    """A percentage ring: a faint full circle and an accent arc over ``share`` of it."""
    width = max(8, (box[2] - box[0]) // 14)
    draw.ellipse(box, outline=(*WHITE, 60), width=width)
    if share > 0:
        draw.arc(box, -90, -90 + 360 * min(1.0, share), fill=(*palette.accent, 255), width=width)
