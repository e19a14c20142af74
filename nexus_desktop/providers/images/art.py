"""Backgrounds: abstract art in the brand's colours (photos are framed by
``shot_cards``).

Soft shapes are drawn at a tenth of the size and scaled up with a bicubic filter:
that is both the blur and the speed (a 1920×1080 background takes ~15 ms).
"""

from __future__ import annotations

import colorsys
import functools
import math
import random

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
