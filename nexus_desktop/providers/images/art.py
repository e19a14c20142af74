"""Backgrounds: abstract art in the brand's colours, or the article's photo
fitted to a frame.

Soft shapes are drawn at a tenth of the size and scaled up with a bicubic filter:
that is both the blur and the speed (a 1920×1080 background takes ~15 ms).
"""

from __future__ import annotations

import colorsys
import functools
import math
import random
import threading

from PIL import Image, ImageDraw, ImageFilter, ImageOps

from .base import RGB, Palette

_SMALL = 10  # low-resolution canvas is 1/_SMALL of the frame


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def _solid(size: tuple[int, int], color: RGB) -> Image.Image:
    return Image.new("RGB", size, color)


def _gradient_mask(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A linear ramp at an angle that varies per scene."""
    ramp = Image.linear_gradient("L")
    vertical = ramp.resize(size)
    horizontal = ramp.transpose(Image.Transpose.ROTATE_90).resize(size)
    mask = Image.blend(vertical, horizontal, rng.uniform(0.2, 0.8))
    if rng.random() < 0.5:
        mask = ImageOps.mirror(mask)
    return mask


def _glow(canvas: Image.Image, color: RGB, rng: random.Random, strength: float, size: float) -> Image.Image:
    w, h = canvas.size
    mask = Image.new("L", canvas.size, 0)
    r = rng.uniform(size * 0.8, size * 1.25) * math.hypot(w, h)
    cx, cy = rng.uniform(-0.1, 1.1) * w, rng.uniform(-0.1, 0.9) * h
    ImageDraw.Draw(mask).ellipse((cx - r, cy - r * 0.8, cx + r, cy + r * 0.8), fill=round(255 * strength))
    mask = mask.filter(ImageFilter.GaussianBlur(r * 0.45))
    return Image.composite(_solid(canvas.size, color), canvas, mask)


@functools.lru_cache(maxsize=16)
def _vignette(size: tuple[int, int], depth: int) -> Image.Image:
    radial = Image.radial_gradient("L").resize(size)
    return radial.point(lambda v: min(depth, max(0, (v - 90) * depth // 120)))


@functools.lru_cache(maxsize=16)
def caption_shade(size: tuple[int, int], start: float = 0.58, depth: int = 120) -> Image.Image:
    """Darkens the lower part of a frame, where burned-in captions go."""
    w, h = size
    ramp = Image.linear_gradient("L").resize((1, h))
    cut = 255 * start
    column = ramp.point(lambda v: 0 if v < cut else round(depth * ((v - cut) / (255 - cut)) ** 1.3))
    return column.resize((w, h))


def shift_hue(color: RGB, degrees: float) -> RGB:
    hue, light, sat = colorsys.rgb_to_hls(*(c / 255 for c in color))
    r, g, b = colorsys.hls_to_rgb((hue + degrees / 360) % 1.0, light, sat)
    return round(r * 255), round(g * 255), round(b * 255)


def generated_art(width: int, height: int, palette: Palette, seed: int) -> Image.Image:
    """Brand-coloured abstract art; different for every seed."""
    rng = random.Random(seed)
    small = (max(16, width // _SMALL), max(16, height // _SMALL))
    deep = mix(palette.background, palette.primary, rng.uniform(0.2, 0.35))
    canvas = Image.composite(_solid(small, deep), _solid(small, palette.background), _gradient_mask(small, rng))
    canvas = _glow(canvas, palette.primary, rng, 0.8, 0.30)
    canvas = _glow(canvas, shift_hue(palette.primary, rng.choice((-35, 30, 50))), rng, 0.55, 0.22)
    canvas = _glow(canvas, palette.accent, rng, 0.42, 0.13)
    black = _solid(small, (0, 0, 0))
    canvas = Image.composite(black, canvas, _vignette(small, 120))
    # Shade the caption area here, at low resolution, where it costs nothing.
    canvas = Image.composite(black, canvas, caption_shade(small))
    art = canvas.resize((width, height), Image.Resampling.BILINEAR)
    _linework(art, palette, rng, seed)
    return art


def _linework(art: Image.Image, palette: Palette, rng: random.Random, seed: int) -> None:
    """Thin rings, rays or a dot grid at low opacity: gives the art a designed look."""
    w, h = art.size
    s = min(w, h)
    draw = ImageDraw.Draw(art, "RGBA")
    color = (*mix(palette.text, palette.accent, 0.25), 34)
    motif = ("rings", "rays", "dots")[seed % 3]  # consecutive scenes never repeat a motif
    if motif == "rings":
        cx, cy = rng.uniform(0.6, 1.0) * w, rng.uniform(0.0, 0.45) * h
        for k in range(1, 8):
            r = s * 0.14 * k
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=color, width=max(2, s // 400))
    elif motif == "rays":
        ox, oy = rng.choice(((0, h), (w, h), (w, 0)))
        for k in range(16):
            angle = math.radians(k * 360 / 16 + rng.uniform(-4, 4))
            draw.line((ox, oy, ox + math.cos(angle) * 2 * (w + h), oy - math.sin(angle) * 2 * (w + h)),
                      fill=color, width=max(2, s // 500))
    else:
        step = max(12, s // 28)
        dot = max(2, s // 400)
        left = rng.choice((0.5, 0.6)) * w
        for x in range(int(left), w, step):
            for y in range(step, int(h * 0.45), step):
                draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=(*color[:3], 60))


class PhotoFramer:
    """The article's photo filling a frame, tinted toward the brand and darkened
    for legibility; each scene frames a slightly different part of it. A photo
    too small or the wrong shape for the frame sits sharp over a blurred copy of
    itself instead of being blown up.

    Scaling is the costly step, so the photo is scaled once per frame size and
    zoom level and each scene crops from that (safe to share between threads)."""

    ZOOMS = (1.0, 1.07, 1.14)

    def __init__(self, photo: Image.Image, palette: Palette) -> None:
        self.photo = photo
        self.palette = palette
        self._scaled: dict[tuple[int, int, int], Image.Image] = {}
        self._lock = threading.Lock()

    def frame(self, width: int, height: int, variant: int) -> Image.Image:
        pw, ph = self.photo.size
        if max(width / pw, height / ph) > 1.75:
            frame = self._cached((width, height, -1), lambda: _blur_fill(self.photo, width, height))
        else:
            frame = self._cover(width, height, variant)
        # One pass: tint toward the brand's background, more so where captions go.
        return Image.composite(_solid((width, height), self.palette.background), frame, _photo_shade((width, height)))

    def _cached(self, key, make) -> Image.Image:
        with self._lock:
            if key not in self._scaled:
                self._scaled[key] = make()
            return self._scaled[key]

    def _cover(self, width: int, height: int, variant: int) -> Image.Image:
        pw, ph = self.photo.size
        level = variant % len(self.ZOOMS)
        scale = max(width / pw, height / ph) * self.ZOOMS[level]
        size = (max(width, round(pw * scale)), max(height, round(ph * scale)))
        scaled = self._cached((width, height, level), lambda: self.photo.resize(
            size, Image.Resampling.BICUBIC, reducing_gap=3.0))
        spare_x, spare_y = size[0] - width, size[1] - height
        left = round(spare_x / 2 * (1 + 0.8 * math.sin(variant * 2.1)))
        top = round(spare_y / 2 * (1 + 0.6 * math.sin(variant * 1.3)))
        return scaled.crop((left, top, left + width, top + height))


@functools.lru_cache(maxsize=16)
def _photo_shade(size: tuple[int, int]) -> Image.Image:
    return caption_shade(size, depth=150).point(lambda v: 70 + v * 185 // 255)


def _blur_fill(photo: Image.Image, width: int, height: int) -> Image.Image:
    backdrop = ImageOps.fit(photo, (max(8, width // 16), max(8, height // 16)), Image.Resampling.BILINEAR)
    backdrop = backdrop.filter(ImageFilter.GaussianBlur(1.2)).resize((width, height), Image.Resampling.BICUBIC)
    backdrop = backdrop.point(lambda v: v * 55 // 100)
    pw, ph = photo.size
    portrait = width / height < 0.8
    # Portrait: below the headline card, where it shows between card and captions.
    box_w, box_h, centre_y = (0.94, 0.5, 0.62) if portrait else (0.92, 0.8, 0.5)
    fit = min(width * box_w / pw, height * box_h / ph)
    size = (max(1, round(pw * fit)), max(1, round(ph * fit)))
    sharp = photo.resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0)
    corners = Image.new("L", size, 0)
    ImageDraw.Draw(corners).rounded_rectangle((0, 0, size[0] - 1, size[1] - 1), radius=min(size) // 24, fill=255)
    top = min(height - size[1], max(0, round(height * centre_y - size[1] / 2)))
    backdrop.paste(sharp, ((width - size[0]) // 2, top), corners)
    return backdrop
