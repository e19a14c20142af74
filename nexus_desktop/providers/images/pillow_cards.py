"""The embedded default: scene cards, thumbnails and backgrounds drawn with Pillow.

A scene is two layers so render can move the background under still text:
an opaque background and a transparent foreground holding the headline card
and branding. The foreground stays inside the format's safe area and in the
upper part of the frame, because captions are burned in below it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw

from ...domain.content import VideoFormat
from .art import caption_shade, generated_art
from .base import RGB, ArtRequest, Palette
from .fonts import FontFace
from .text import TextBlock, draw_block, fit_text

# How far down the frame the foreground may reach; captions live below.
UPPER_LIMIT_PORTRAIT = 0.55
UPPER_LIMIT_OTHER = 0.60
PANEL_ALPHA = 212
HEADLINE_SPACING = 1.06


class PillowCards:
    """Generated abstract art in the brand's colours (no network, ~30 ms a frame)."""

    name = "pillow"

    def background(self, request: ArtRequest) -> Image.Image:
        return generated_art(request.width, request.height, request.palette, request.seed)


# --- colour ---------------------------------------------------------------


def _luminance(color: RGB) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def readable_on(background: RGB, preferred: RGB, minimum: float = 4.5) -> RGB:
    """``preferred`` if it reads well on ``background``, else white or near-black."""
    if contrast(preferred, background) >= minimum:
        return preferred
    white, black = (255, 255, 255), (14, 16, 20)
    return white if contrast(white, background) >= contrast(black, background) else black


# --- geometry -------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def contains(self, other: tuple[int, int, int, int]) -> bool:
        return (other[0] >= self.left and other[1] >= self.top
                and other[2] <= self.right and other[3] <= self.bottom)


def is_portrait(fmt: VideoFormat) -> bool:
    return fmt.aspect < 0.8


def foreground_region(fmt: VideoFormat) -> Box:
    """Where the foreground may draw: inside the safe area, above the captions."""
    limit = UPPER_LIMIT_PORTRAIT if is_portrait(fmt) else UPPER_LIMIT_OTHER
    bottom = min(limit, 1 - fmt.safe.bottom)
    return Box(round(fmt.width * fmt.safe.left), round(fmt.height * fmt.safe.top),
               round(fmt.width * (1 - fmt.safe.right)), round(fmt.height * bottom))


# --- what a card shows ----------------------------------------------------


@dataclass(frozen=True)
class Styled:
    """A piece of text with the face that covers it (chosen before drawing)."""

    text: str
    face: FontFace


@dataclass(frozen=True)
class Brand:
    palette: Palette
    logo: Image.Image | None = None  # RGBA
    channel: Styled | None = None


@dataclass(frozen=True)
class CardSpec:
    headline: Styled
    kicker: Styled | None = None  # the source's name on the title card
    chips: tuple[Styled, ...] = ()
    quote: bool = False
    title_card: bool = False


@dataclass
class CardLayout:
    """Where things went; tests and the preview read it."""

    region: Box
    headline: TextBlock | None = None
    panel: tuple[int, int, int, int] | None = None
    chips_drawn: int = 0


# --- the foreground -------------------------------------------------------


def _headline_sizes(fmt: VideoFormat, title_card: bool) -> tuple[int, int]:
    s = min(fmt.width, fmt.height)
    if is_portrait(fmt):
        # Phone-first: a cap height of at least ~70 px on a 1080-wide frame.
        lo, hi = 0.09, 0.125
    elif fmt.aspect < 1.25:
        lo, hi = 0.072, 0.11
    else:
        lo, hi = 0.066, 0.105
    if title_card:
        hi *= 1.15
    return round(s * hi), round(s * lo)


def draw_foreground(fmt: VideoFormat, card: CardSpec, brand: Brand,
                    with_brand: bool = True) -> tuple[Image.Image, CardLayout]:
    image = Image.new("RGBA", (fmt.width, fmt.height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    region = foreground_region(fmt)
    layout = CardLayout(region)
    s = min(fmt.width, fmt.height)
    inset = round(0.01 * s)
    area = Box(region.left + inset, region.top + inset, region.right - inset, region.bottom - inset)
    top = area.top
    if with_brand and (brand.logo is not None or brand.channel is not None):
        top = _brand_row(draw, image, area, brand, s) + round(0.022 * s)
    _panel(draw, Box(area.left, top, area.right, area.bottom), fmt, card, brand.palette, layout)
    if layout.headline is not None and layout.headline.truncated and top != area.top:
        return draw_foreground(fmt, card, brand, with_brand=False)  # the headline needs the brand row's room
    return image, layout


def _brand_row(draw: ImageDraw.ImageDraw, image: Image.Image, area: Box, brand: Brand, s: int) -> int:
    """Logo and channel name in a pill at the top left; returns its bottom."""
    height = round(0.072 * s)
    pad = round(height * 0.22)
    x = area.left + pad
    logo = None
    if brand.logo is not None:
        logo = _fit_logo(brand.logo, height - pad, area.width // 3)
    name_block = None
    if brand.channel is not None:
        room = area.width - 3 * pad - (logo.width + pad if logo else 0)
        name_block = fit_text(brand.channel.text, brand.channel.face, max_width=room, max_height=height,
                              max_size=round(0.036 * s), min_size=round(0.026 * s), max_lines=1, balance=False)
    width = pad + (logo.width + pad if logo else 0) + (name_block.width + pad if name_block else 0)
    draw.rounded_rectangle((area.left, area.top, area.left + width, area.top + height),
                           radius=height // 2, fill=(*brand.palette.background, 190))
    if logo:
        image.alpha_composite(logo, (x, area.top + (height - logo.height) // 2))
        x += logo.width + pad
    if name_block:
        text = readable_on(brand.palette.background, brand.palette.text)
        y = area.top + (height - name_block.height) // 2
        draw_block(draw, name_block, (x, y), fill=(*text, 255))
    return area.top + height


def _fit_logo(logo: Image.Image, height: int, max_width: int) -> Image.Image:
    scale = min(height / logo.height, max_width / logo.width)
    size = (max(1, round(logo.width * scale)), max(1, round(logo.height * scale)))
    return logo.resize(size, Image.Resampling.LANCZOS)


def _panel(draw, area: Box, fmt: VideoFormat, card: CardSpec, palette: Palette, layout: CardLayout) -> None:
    s = min(fmt.width, fmt.height)
    pad = round(0.038 * s)
    bar = max(4, round(0.011 * s))
    gap = round(0.024 * s)
    landscape = fmt.aspect >= 1.25
    max_panel = min(area.width, round(fmt.width * (0.78 if card.title_card else 0.68))) if landscape else area.width
    content_left = area.left + pad + bar + round(pad * 0.7)
    content_width = area.left + max_panel - pad - content_left

    chip_size = round((0.036 if is_portrait(fmt) else 0.032) * s)
    kicker_h = round(chip_size * 1.75) + gap if card.kicker else 0
    quote_font = card.headline.face.get(round(0.17 * s)) if card.quote else None
    quote_h = quote_top = 0
    if quote_font is not None:
        qbox = quote_font.getbbox("“", anchor="la")
        # The headline's own ascender space sits between the mark and the text.
        quote_top, quote_h = qbox[1], qbox[3] - qbox[1] - round(0.025 * s)
    chips_h = round(chip_size * 1.75) + gap if card.chips else 0
    room = area.height - 2 * pad - kicker_h - quote_h - chips_h
    hi, lo = _headline_sizes(fmt, card.title_card)
    block = fit_text(card.headline.text, card.headline.face, max_width=content_width,
                     max_height=max(room, lo), max_size=hi, min_size=lo, spacing=HEADLINE_SPACING)
    if block.truncated and card.chips:  # give the headline the chips' room
        chips_h, card = 0, CardSpec(card.headline, card.kicker, (), card.quote, card.title_card)
        room = area.height - 2 * pad - kicker_h - quote_h
        block = fit_text(card.headline.text, card.headline.face, max_width=content_width,
                         max_height=max(room, lo), max_size=hi, min_size=lo, spacing=HEADLINE_SPACING)

    text_color = readable_on(palette.background, palette.text)
    chip_fill = palette.accent
    chip_text = readable_on(chip_fill, palette.background)
    y = area.top + pad
    chip_rows: list[tuple[int, int, TextBlock, Styled]] = []
    kicker_block = None
    if card.kicker:
        kicker_block = _chip_block(card.kicker, chip_size, content_width)
        y += kicker_h
    qy = y
    y += quote_h
    headline_y = y
    y += block.height
    used_width = max(block.width, kicker_block.width + round(chip_size * 1.4) if kicker_block else 0)
    if card.chips:
        y += gap
        x = content_left
        for chip in card.chips:
            chip_block = _chip_block(chip, chip_size, content_width)
            w = chip_block.width + round(chip_size * 1.4)
            if x + w > content_left + content_width:
                break
            chip_rows.append((x, y, chip_block, chip))
            x += w + round(chip_size * 0.5)
        if chip_rows:
            used_width = max(used_width, x - round(chip_size * 0.5) - content_left)
            y += round(chip_size * 1.75)
    panel_right = min(area.left + max_panel, content_left + used_width + pad)
    panel = (area.left, area.top, panel_right, min(area.bottom, y + pad))
    draw.rounded_rectangle(panel, radius=round(0.022 * s), fill=(*palette.background, PANEL_ALPHA))
    draw.rounded_rectangle((area.left + pad, area.top + pad, area.left + pad + bar, panel[3] - pad),
                           radius=bar // 2, fill=(*palette.primary, 255))
    if kicker_block:
        _draw_chip(draw, kicker_block, content_left, area.top + pad, chip_size, chip_fill, chip_text)
    if quote_font is not None:
        draw.text((content_left - round(0.006 * s), qy - quote_top), "“", font=quote_font,
                  fill=(*palette.accent, 255), anchor="la")
    draw_block(draw, block, (content_left, headline_y), fill=(*text_color, 255))
    for x, cy, chip_block, _ in chip_rows:
        _draw_chip(draw, chip_block, x, cy, chip_size, chip_fill, chip_text)
    layout.headline = block
    layout.panel = panel
    layout.chips_drawn = len(chip_rows)


def _chip_block(chip: Styled, size: int, max_width: int) -> TextBlock:
    return fit_text(chip.text, chip.face, max_width=max_width - round(size * 1.4), max_height=size * 2,
                    max_size=size, min_size=max(8, round(size * 0.8)), max_lines=1, balance=False)


def _draw_chip(draw, block: TextBlock, x: int, y: int, size: int, fill: RGB, text: RGB) -> None:
    height = round(size * 1.75)
    width = block.width + round(size * 1.4)
    draw.rounded_rectangle((x, y, x + width, y + height), radius=height // 2, fill=(*fill, 255))
    ascent, descent = block.font.getmetrics()
    draw_block(draw, block, (x + round(size * 0.7), y + (height - ascent - descent) // 2), fill=(*text, 255))


# --- the thumbnail --------------------------------------------------------


def thumbnail_size(fmt: VideoFormat) -> tuple[int, int]:
    """1280×720 for YouTube; the video size for 9:16 and 1:1; custom sizes scaled
    to a thumbnail's class."""
    if fmt.name == "16x9":
        return 1280, 720
    if fmt.width > fmt.height:
        scale = min(1.0, 1280 / fmt.width)
    else:
        scale = min(1.0, 1920 / max(fmt.width, fmt.height))
    return max(2, round(fmt.width * scale)), max(2, round(fmt.height * scale))


@dataclass
class ThumbLayout:
    title: TextBlock
    text_box: Box


def _thumb_box(width: int, height: int) -> tuple[Box, str]:
    aspect = width / height
    if aspect >= 1.25:  # leave the bottom-right corner to YouTube's timestamp
        return Box(round(width * 0.06), round(height * 0.16), round(width * 0.80), round(height * 0.86)), "left"
    if aspect < 0.8:  # keep to the centre, which feeds crop to 4:5 or 3:4
        return Box(round(width * 0.07), round(height * 0.24), round(width * 0.93), round(height * 0.76)), "center"
    return Box(round(width * 0.07), round(height * 0.16), round(width * 0.93), round(height * 0.86)), "left"


def _thumb_sizes(width: int, height: int) -> tuple[int, int]:
    aspect = width / height
    if aspect >= 1.25:
        return round(height * 0.2), round(height * 0.088)
    if aspect < 0.8:
        return round(width * 0.15), round(width * 0.078)
    return round(width * 0.14), round(width * 0.072)


def draw_thumbnail(background: Image.Image, title: Styled, brand: Brand,
                   highlight: frozenset[str] = frozenset()) -> tuple[Image.Image, ThumbLayout]:
    """Big bold title over the scene's background, readable at phone size."""
    width, height = background.size
    box, align = _thumb_box(width, height)
    image = _thumb_scrim(background, align)
    draw = ImageDraw.Draw(image)
    hi, lo = _thumb_sizes(width, height)
    block = fit_text(title.text, title.face, max_width=box.width, max_height=box.height * 0.86,
                     max_size=hi, min_size=lo, max_words=6, spacing=1.08)
    bar_h = max(4, round(height * 0.014))
    total = block.height + bar_h * 3
    y = box.top + (box.height - total) // 2
    fills = _line_fills(block, brand.palette, highlight)
    draw_block(draw, block, (box.left, y), fill=fills[0], box_width=box.width, align=align,
               stroke_width=max(2, block.size // 13), stroke_fill=(0, 0, 0), line_fills=fills)
    bar_w = round(min(width, height) * 0.22)
    bar_x = box.left if align == "left" else box.left + (box.width - bar_w) // 2
    bar_y = y + block.height + bar_h * 2
    draw.rectangle((bar_x, bar_y, bar_x + bar_w, bar_y + bar_h), fill=brand.palette.accent)
    if brand.logo is not None or brand.channel is not None:
        rgba = image.convert("RGBA")
        s = min(width, height)
        corner = Box(round(width * 0.04), round(height * 0.04), round(width * 0.96), round(height * 0.04 + s * 0.1))
        _brand_row(ImageDraw.Draw(rgba), rgba, corner, brand, s)
        image = rgba.convert("RGB")
    return image, ThumbLayout(block, box)


def _line_fills(block: TextBlock, palette: Palette, highlight: frozenset[str]) -> list[RGB]:
    """White lines, with the line holding the key word in the accent colour."""
    white = (255, 255, 255)
    accent = palette.accent if contrast(palette.accent, (0, 0, 0)) >= 7 else (255, 214, 10)
    scores = [sum(1 for w in line.lower().split() if w.strip(".,:;!?\"'“”") in highlight) for line in block.lines]
    if len(block.lines) < 2 or not any(scores):
        return [white] * len(block.lines)
    pick = scores.index(max(scores))
    return [accent if i == pick else white for i in range(len(block.lines))]


def _thumb_scrim(background: Image.Image, align: str) -> Image.Image:
    """Darken behind the title so white type with a black outline always reads."""
    width, height = background.size
    ramp = Image.linear_gradient("L")
    if align == "left":
        mask = ramp.transpose(Image.Transpose.ROTATE_90).resize((width, height))
        mask = mask.point(lambda v: 200 - v * 130 // 255)  # darkest behind the text
    else:
        mask = Image.new("L", (width, height), 120)
    black = Image.new("RGB", (width, height), (0, 0, 0))
    shaded = Image.composite(black, background, mask)
    return Image.composite(black, shaded, caption_shade((width, height), 0.7, 90))
