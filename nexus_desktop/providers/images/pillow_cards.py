"""The embedded default: backgrounds, thumbnails and the brand row drawn with
Pillow, and the colour helpers the shot cards share (``shot_cards`` draws the
shots themselves)."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw

from ...domain.content import VideoFormat
from .art import caption_shade, generated_art
from .base import RGB, ArtRequest, Palette
from .fonts import FontFace
from .text import TextBlock, draw_block, fit_text



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
