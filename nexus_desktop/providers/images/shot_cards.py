"""The pictures of each shot kind, drawn with Pillow: a background larger than
the frame (so it can move by cropping alone), and transparent layers cut to
what they hold, placed inside the format's safe area above the caption band.

Every function returns ``Drawn`` pieces; the visualize stage saves them and the
render stage moves them (``domain.shots.Layer.motion``).
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter, ImageOps

from ...domain.content import VideoFormat
from .art import caption_shade, generated_art, mix
from .base import RGB, Palette
from .fonts import FontFace
from .icons import glyph, icon_font
from . import shot_looks as looks
from .pillow_cards import Box, Brand, _fit_logo, readable_on
from .text import draw_block, fit_text

ROOM = 0.12  # the background is this much larger than the frame each way, for its drift
WHITE = (255, 255, 255)


@dataclass(frozen=True)
class Piece:
    image: Image.Image  # RGBA, cropped to what it holds
    x: int
    y: int
    start: float = 0.0
    end: float | None = None
    motion: str = "none"


def big_size(fmt: VideoFormat, room: float = ROOM) -> tuple[int, int]:
    return _even(fmt.width * (1 + room)), _even(fmt.height * (1 + room))


def _even(value: float) -> int:
    return int(round(value / 2) * 2)


def card_region(fmt: VideoFormat, caption_top: int) -> Box:
    """Inside the safe area, above the caption band."""
    safe = fmt.safe
    s = min(fmt.width, fmt.height)
    return Box(round(fmt.width * safe.left + 0.02 * s), round(fmt.height * safe.top + 0.02 * s),
               round(fmt.width * (1 - safe.right) - 0.02 * s), caption_top - round(0.02 * s))


# --- backgrounds -----------------------------------------------------------------------------------


MAX_BLOW_UP = 1.6  # a photo covers the frame when it need not be enlarged more than this…
MAX_BLOW_UP_TALL = 2.6  # …or this in 9:16 and 1:1, where a landscape photo would otherwise be a thin band


def photo_background(photo: Image.Image, focus: tuple[float, float], size: tuple[int, int],
                     palette: Palette) -> Image.Image:
    """Full-bleed: the photo covers the enlarged frame, cropped around its focus (the
    render pans across that crop). In 9:16 and 1:1 a landscape photo is cropped to
    the frame's shape and enlarged up to 2.6x (and sharpened): a creator's vertical
    video fills the screen. A photo that would need more sits sharp over a blurred
    copy of itself, which fills only what the photo cannot."""
    width, height = size
    pw, ph = photo.size
    scale = max(width / pw, height / ph)
    limit = MAX_BLOW_UP_TALL if height >= width else MAX_BLOW_UP
    if scale <= limit:
        # Only the part that shows is resized (the box is in the photo's own pixels).
        box_w, box_h = min(pw, width / scale), min(ph, height / scale)
        left = min(pw - box_w, max(0.0, focus[0] * pw - box_w / 2))
        top = min(ph - box_h, max(0.0, focus[1] * ph - box_h / 2))
        frame = photo.resize((width, height), Image.Resampling.BICUBIC, box=(left, top, left + box_w, top + box_h),
                             reducing_gap=3.0)
        if scale > MAX_BLOW_UP:  # an enlarged crop: give the edges back some bite
            frame = frame.filter(ImageFilter.UnsharpMask(radius=2, percent=70, threshold=3))
    else:
        frame = _blur_fill(photo, width, height)
    shade = caption_shade(size, 0.62, 150)
    return Image.composite(Image.new("RGB", size, palette.background), frame, shade)


def _blur_fill(photo: Image.Image, width: int, height: int) -> Image.Image:
    backdrop = ImageOps.fit(photo, (max(8, width // 20), max(8, height // 20)), Image.Resampling.BILINEAR)
    backdrop = backdrop.filter(ImageFilter.GaussianBlur(1.5)).resize((width, height), Image.Resampling.BICUBIC)
    backdrop = backdrop.point(lambda v: v * 50 // 100)
    fit = min(width * 0.96 / photo.width, height * 0.9 / photo.height, 1.6 * max(width / photo.width,
                                                                               height / photo.height))
    fit = min(fit, width * 0.96 / photo.width, height * 0.9 / photo.height)
    sharp = photo.resize((max(1, round(photo.width * fit)), max(1, round(photo.height * fit))),
                         Image.Resampling.BICUBIC)
    backdrop.paste(sharp, ((width - sharp.width) // 2, (height - sharp.height) // 2))
    return backdrop


def card_background(size: tuple[int, int], palette: Palette, seed: int, photo: Image.Image | None,
                    look: int = 0) -> Image.Image:
    """Behind a stat, quote, icon or title: the article's photo blurred and dark when
    there is one (the video keeps one look), else art in the colours of the shot's
    look (``shot_looks``), so cards that follow each other change colour."""
    if photo is None:
        return generated_art(size[0], size[1], looks.shot_palette(palette, look), seed)
    small = ImageOps.fit(photo, (max(8, size[0] // 24), max(8, size[1] // 24)), Image.Resampling.BILINEAR)
    small = small.filter(ImageFilter.GaussianBlur(1.2))
    tint = Image.new("RGB", small.size, palette.background)
    small = Image.blend(small, tint, 0.55)
    return small.resize(size, Image.Resampling.BICUBIC)


# --- layers ----------------------------------------------------------------------------------------


def _piece(canvas: Image.Image, **kw) -> Piece | None:
    box = canvas.getchannel("A").getbbox()
    if box is None:
        return None
    left, top = box[0] - box[0] % 2, box[1] - box[1] % 2
    right, bottom = min(canvas.width, box[2] + box[2] % 2), min(canvas.height, box[3] + box[3] % 2)
    return Piece(canvas.crop((left, top, right, bottom)), left, top, **kw)


piece = _piece  # what ``shot_looks`` cuts its layers with


def _canvas(fmt: VideoFormat) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGBA", (fmt.width, fmt.height), (0, 0, 0, 0))
    return image, ImageDraw.Draw(image)


def _stroke(size: int) -> int:
    return max(2, size // 14)


def title_words(fmt: VideoFormat, region: Box, text: str, face: FontFace, palette: Palette,
                duration: float, *, accent_word: int = -1) -> list[Piece]:
    """The hook, word by word: the text is laid out once, then each word is its own
    layer that rises into place a beat after the one before."""
    s = min(fmt.width, fmt.height)
    block = fit_text(text, face, max_width=region.width, max_height=region.height * 0.8,
                     max_size=round(s * 0.15), min_size=round(s * 0.07), max_words=3, spacing=1.08)
    font = block.font
    y = region.top + (region.height - block.height) // 2
    pieces: list[Piece] = []
    words = [w for line in block.lines for w in line.split()]
    beat = min(0.28, 0.6 * duration / max(1, len(words)))
    accent = readable_on((0, 0, 0), palette.accent, 3.0)
    n = 0
    for line in block.lines:
        x = region.left + (region.width - font.getlength(line)) / 2
        for word in line.split():
            canvas, draw = _canvas(fmt)
            fill = accent if n == accent_word else WHITE
            draw.text((x, y), word, font=font, fill=(*fill, 255), anchor="la", stroke_width=_stroke(block.size),
                      stroke_fill=(0, 0, 0, 255))
            piece = _piece(canvas, start=round(n * beat, 3), motion="rise")
            if piece:
                pieces.append(piece)
            x += font.getlength(word + " ")
            n += 1
        y += block.line_height
    return pieces


def stat(fmt: VideoFormat, region: Box, value: str, unit: str, label: str, face: FontFace, label_face: FontFace,
         palette: Palette) -> list[Piece]:
    """A number with its unit, counting up over 0.45 s, and its label rising under it;
    a percentage inside a ring that fills as it counts."""
    s = min(fmt.width, fmt.height)
    accent = readable_on((0, 0, 0), palette.accent, 3.0)
    steps = _count_up(value)
    full = f"{value}{unit if unit in ('%', '°C', '°F') else ''}"
    share = _share(value) if unit == "%" else None
    ring = round(min(region.width * 0.85, region.height * 0.6, s * 0.7)) if share is not None else 0
    size = round(s * 0.24) if not ring else round(ring * 0.3)
    font = face.get(size)
    while font.getlength(full) > (ring * 0.74 if ring else region.width) and size > s * 0.06:
        size = round(size * 0.9)
        font = face.get(size)
    top = region.top + round(region.height * (0.12 if ring else 0.22))
    ring_box = (region.left + (region.width - ring) // 2, top, region.left + (region.width + ring) // 2, top + ring)
    number_top = top + (ring - size) // 2 - round(size * 0.1) if ring else top
    pieces = []
    for n, shown in enumerate(steps):
        canvas, draw = _canvas(fmt)
        text = f"{shown}{unit if unit in ('%', '°C', '°F') else ''}"
        x = region.left + (region.width - font.getlength(full)) / 2
        if ring:
            looks.ring(draw, ring_box, share * (n + 1) / len(steps), palette)
        draw.text((x, number_top), text, font=font, fill=(*accent, 255), anchor="la", stroke_width=_stroke(size),
                  stroke_fill=(0, 0, 0, 255))
        last = n == len(steps) - 1
        piece = _piece(canvas, start=round(n * 0.075, 3), end=None if last else round((n + 1) * 0.075, 3),
                       motion="rise" if n == 0 else "none")
        if piece:
            pieces.append(piece)
    words = " ".join(w for w in (unit if unit not in ("%", "°C", "°F") else "", label) if w)
    if words:
        canvas, draw = _canvas(fmt)
        block = fit_text(words.upper(), label_face, max_width=region.width, max_height=region.height * 0.3,
                         max_size=round(s * 0.075), min_size=round(s * 0.045), max_words=4, spacing=1.1)
        y = top + (ring + round(s * 0.04) if ring else round(size * 1.15))
        draw_block(draw, block, (region.left, y), fill=(*WHITE, 255), box_width=region.width, align="center",
                   stroke_width=_stroke(block.size), stroke_fill=(0, 0, 0, 255))
        piece = _piece(canvas, start=0.3, motion="rise")
        if piece:
            pieces.append(piece)
    return pieces


def _share(value: str) -> float | None:
    try:
        number = float(value.replace(",", ""))
    except ValueError:
        return None
    return number / 100 if 0 < number <= 100 else None


def _count_up(value: str, steps: int = 6) -> list[str]:
    """``$18.5M`` -> ``$3.1M``, ``$6.2M`` … ``$18.5M``: the digits climb, the rest stays."""
    import re

    match = re.search(r"\d[\d,]*(?:\.\d+)?", value)
    if not match or "/" in value:  # "1/3" does not count up
        return [value]
    digits = match[0].replace(",", "")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    target = float(digits)
    shown = []
    for n in range(1, steps + 1):
        number = target * n / steps
        text = f"{number:,.{decimals}f}" if "," in match[0] else f"{number:.{decimals}f}"
        shown.append(value[:match.start()] + text + value[match.end():])
    return shown


def quote(fmt: VideoFormat, region: Box, text: str, who: str, face: FontFace, who_face: FontFace,
          palette: Palette) -> list[Piece]:
    """The quote on a panel sliding in, who said it a beat later."""
    s = min(fmt.width, fmt.height)
    pad = round(s * 0.04)
    block = fit_text(f"“{text}”", face, max_width=region.width - 2 * pad, max_height=region.height * 0.62,
                     max_size=round(s * 0.075), min_size=round(s * 0.045), spacing=1.15)
    canvas, draw = _canvas(fmt)
    height = block.height + 2 * pad
    top = region.top + (region.height - height) // 2 - round(s * 0.03)
    draw.rounded_rectangle((region.left, top, region.right, top + height), radius=round(s * 0.03),
                           fill=(*mix(palette.background, (0, 0, 0), 0.3), 225))
    draw.rectangle((region.left, top, region.left + round(s * 0.012), top + height), fill=(*palette.accent, 255))
    draw_block(draw, block, (region.left + pad, top + pad), fill=(*WHITE, 255), box_width=region.width - 2 * pad)
    pieces = [p for p in [_piece(canvas, motion="slide")] if p]
    if who:
        canvas, draw = _canvas(fmt)
        who_block = fit_text(f"— {who}", who_face, max_width=region.width, max_height=s * 0.1,
                             max_size=round(s * 0.05), min_size=round(s * 0.035), max_lines=1, balance=False)
        accent = readable_on((0, 0, 0), palette.accent, 3.0)
        draw_block(draw, who_block, (region.left, top + height + round(s * 0.025)), fill=(*accent, 255),
                   box_width=region.width - pad, align="right", stroke_width=_stroke(who_block.size),
                   stroke_fill=(0, 0, 0, 255))
        piece = _piece(canvas, start=0.45, motion="rise")
        if piece:
            pieces.append(piece)
    return pieces


def icon(fmt: VideoFormat, region: Box, name: str, keyword: str, face: FontFace, palette: Palette) -> list[Piece]:
    """A large icon in a disc that keeps floating, the keyword rising under it."""
    char, s = glyph(name), min(fmt.width, fmt.height)
    if char is None:
        return []
    disc = round(min(region.width, region.height * 0.6, s * 0.5))
    canvas, draw = _canvas(fmt)
    cx, top = region.left + region.width // 2, region.top + round(region.height * 0.12)
    draw.ellipse((cx - disc // 2, top, cx + disc // 2, top + disc), fill=(*palette.primary, 235),
                 outline=(*palette.accent, 255), width=max(3, disc // 40))
    font = icon_font(round(disc * 0.62))
    draw.text((cx, top + disc // 2), char, font=font, fill=(*WHITE, 255), anchor="mm")
    pieces = [p for p in [_piece(canvas, motion="bob")] if p]
    if keyword:
        canvas, draw = _canvas(fmt)
        block = fit_text(keyword.upper(), face, max_width=region.width, max_height=region.height * 0.25,
                         max_size=round(s * 0.085), min_size=round(s * 0.05), max_words=3, spacing=1.08)
        draw_block(draw, block, (region.left, top + disc + round(s * 0.04)), fill=(*WHITE, 255),
                   box_width=region.width, align="center", stroke_width=_stroke(block.size),
                   stroke_fill=(0, 0, 0, 255))
        piece = _piece(canvas, start=0.2, motion="rise")
        if piece:
            pieces.append(piece)
    return pieces


def end_card(fmt: VideoFormat, region: Box, brand: Brand, call: str, credit: str, face: FontFace,
             small_face: FontFace) -> list[Piece]:
    """Logo or channel name, the call to follow, the source credit: one after another."""
    s = min(fmt.width, fmt.height)
    palette = brand.palette
    pieces: list[Piece] = []
    y = region.top + round(region.height * 0.12)
    if brand.logo is not None:
        canvas, _ = _canvas(fmt)
        logo = _fit_logo(brand.logo, round(s * 0.2), region.width // 2)
        canvas.alpha_composite(logo, (region.left + (region.width - logo.width) // 2, y))
        pieces += [p for p in [_piece(canvas, motion="rise")] if p]
        y += logo.height + round(s * 0.04)
    if brand.channel is not None:
        canvas, draw = _canvas(fmt)
        block = fit_text(brand.channel.text, brand.channel.face, max_width=region.width, max_height=s * 0.2,
                         max_size=round(s * 0.09), min_size=round(s * 0.05), max_lines=2)
        draw_block(draw, block, (region.left, y), fill=(*WHITE, 255), box_width=region.width, align="center",
                   stroke_width=_stroke(block.size), stroke_fill=(0, 0, 0, 255))
        pieces += [p for p in [_piece(canvas, start=0.1 if pieces else 0.0, motion="rise")] if p]
        y += block.height + round(s * 0.05)
    canvas, draw = _canvas(fmt)
    block = fit_text(call, face, max_width=region.width * 0.9, max_height=s * 0.12, max_size=round(s * 0.07),
                     min_size=round(s * 0.045), max_lines=1, balance=False)
    pill_w, pill_h = block.width + round(s * 0.08), block.height + round(s * 0.045)
    left = region.left + (region.width - pill_w) // 2
    accent = palette.accent
    draw.rounded_rectangle((left, y, left + pill_w, y + pill_h), radius=pill_h // 2, fill=(*accent, 255))
    draw_block(draw, block, (left, y + (pill_h - block.height) // 2), fill=(*readable_on(accent, (0, 0, 0)), 255),
               box_width=pill_w, align="center")
    pieces += [p for p in [_piece(canvas, start=0.3, motion="rise")] if p]
    y += pill_h + round(s * 0.05)
    if credit:
        canvas, draw = _canvas(fmt)
        block = fit_text(credit, small_face, max_width=region.width, max_height=s * 0.12,
                         max_size=round(s * 0.04), min_size=round(s * 0.028), max_lines=2)
        draw_block(draw, block, (region.left, y), fill=(*WHITE, 230), box_width=region.width, align="center",
                   stroke_width=max(1, block.size // 16), stroke_fill=(0, 0, 0, 255))
        pieces += [p for p in [_piece(canvas, start=0.55, motion="rise")] if p]
    return pieces


def palette_text(palette: Palette) -> RGB:
    return readable_on(palette.background, palette.text)
