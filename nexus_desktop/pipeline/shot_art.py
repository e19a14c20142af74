"""Draws a shot plan's pictures for one format: each shot's background (larger
than the frame, so the render can move it by cropping) and its layers, saved
under ``visuals/<format>/`` and described as ``ShotFrames``."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from ..domain.content import VideoFormat
from ..domain.shots import Layer, Photo, Shot, ShotFrames
from ..providers.images import shot_cards as cards
from ..providers.images import shot_looks as looks
from ..providers.images.base import Palette
from ..providers.images.fonts import FontBook
from ..providers.images.pillow_cards import Brand
from . import captions as cap

PHOTO_ROOM = 0.16  # photos drift further than cards: the motion is the shot
CARD_ROOM = 0.08


@dataclass(frozen=True)
class Look:
    """What every shot of a job shares."""

    fonts: FontBook
    palette: Palette
    brand: Brand
    photos: tuple[Photo, ...]
    images: tuple[Image.Image, ...]
    seed: int
    call: str  # the end card's call to follow
    credit: str  # the end card's source line


def draw_shot(job_dir: Path, fmt: VideoFormat, index: int, shot: Shot, look: Look, folder: Path) -> ShotFrames:
    layout = cap.layout_for(fmt)
    region = cards.card_region(fmt, layout.y)
    photo = look.images[shot.photo] if 0 <= shot.photo < len(look.images) else None
    # Every background of a format is drawn at one size (the render reads them as one image
    # sequence); a card moves over less of its spare room than a photo.
    size = cards.big_size(fmt, PHOTO_ROOM)
    if shot.kind == "photo" and photo is not None:
        moves = size
        background = cards.photo_background(photo, look.photos[shot.photo].focus, size, look.palette)
    else:
        moves = cards.big_size(fmt, CARD_ROOM)
        backdrop = look.images[index % len(look.images)] if look.images else None
        background = cards.card_background(size, look.palette, look.seed + index, backdrop, _look(index, shot))
    bg_path = folder / f"shot-{index + 1:02d}-bg.jpg"
    _save(background, bg_path, "JPEG", quality=88)
    pieces = _pieces(fmt, shot, look, region, _look(index, shot))
    layers = []
    for n, piece in enumerate(pieces):
        path = folder / f"shot-{index + 1:02d}-layer-{n + 1:02d}.png"
        _save(piece.image, path, "PNG", compress_level=3)
        layers.append(Layer(path.relative_to(job_dir).as_posix(), piece.x, piece.y, piece.start, piece.end,
                            piece.motion))
    return ShotFrames(bg_path.relative_to(job_dir).as_posix(), (moves[0] - fmt.width, moves[1] - fmt.height),
                      tuple(layers))


def _look(index: int, shot: Shot) -> int:
    """Which of the three looks a shot gets: the hook and the end card keep the brand's;
    the others take turns, so two cards in a row never share colours and layout."""
    return 0 if shot.kind in ("end", "photo") or index == 0 else index % looks.LOOKS


def _pieces(fmt: VideoFormat, shot: Shot, look: Look, region, style: int = 0) -> list[cards.Piece]:
    fonts = look.fonts
    palette = looks.shot_palette(look.palette, style) if not look.images else look.palette

    def face(text: str, headline: bool = True):
        return fonts.face_for(text, headline=headline)

    if shot.kind == "title":
        head, text = face(shot.text)
        if style == 1:
            return looks.marker_title(fmt, region, text, head, palette, _accent(text), cards.piece)
        if style == 2:
            return looks.stacked_title(fmt, region, text, head, palette, _accent(text), cards.piece)
        return cards.title_words(fmt, region, text, head, palette, shot.duration, accent_word=_accent(text))
    if shot.kind == "stat":
        head, _ = face(shot.value + shot.unit)
        label, text = face(f"{shot.unit} {shot.text}")
        return cards.stat(fmt, region, shot.value, shot.unit, shot.text if text else "", head, label, palette)
    if shot.kind == "quote":
        body, text = face(shot.text, headline=False)
        who, who_text = face(shot.who, headline=False)
        return cards.quote(fmt, region, text, who_text, body, who, palette)
    if shot.kind == "icon":
        head, text = face(shot.text)
        if style == 1:
            return looks.side_icon(fmt, region, shot.icon, text, head, palette, cards.piece)
        if style == 2:
            return looks.tile_icon(fmt, region, shot.icon, text, head, palette, cards.piece)
        return cards.icon(fmt, region, shot.icon, text, head, palette)
    if shot.kind == "end":
        head, call = face(look.call)
        small, credit = face(look.credit, headline=False)
        return cards.end_card(fmt, region, look.brand, call, credit, head, small)
    return []


def _accent(text: str) -> int:
    """The hook's longest word is the one drawn in the accent colour."""
    words = text.split()
    return max(range(len(words)), key=lambda i: len(words[i].strip(".,:;!?…"))) if words else -1


def _save(image: Image.Image, path: Path, kind: str, **params) -> None:
    """Write beside the target and rename, so a crash never leaves half an image."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        image.save(tmp, kind, **params)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
