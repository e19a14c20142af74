"""Three thumbnail variants per format: the first is the default, the others are
there for title/thumbnail tests later.

1. the best photo (or brand art) with the headline cut to five words;
2. the strongest stat as the headline ("91% capacity kept") over the next photo,
   or a second cut of the headline when there is no stat;
3. the hook over brand art, so one variant never depends on a photo.
Each carries the brand (logo and channel name).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from PIL import Image

from ..domain.content import VideoFormat
from ..domain.shots import ShotPlan
from ..providers.images import shot_cards as cards
from ..providers.images.art import generated_art
from ..providers.images.pillow_cards import Styled, draw_thumbnail, thumbnail_size
from .shot_art import Look
from .shot_plan import STOP_WORDS

MAX_WORDS = 5
VARIANTS = 3


def headline(text: str, limit: int = MAX_WORDS) -> str:
    """At most ``limit`` words, cut after a colon or dash when the start says enough."""
    for mark in (":", " – ", " — ", " - "):
        head = text.split(mark)[0].strip()
        if mark in text and 2 <= len(head.split()) <= limit:
            return head
    words = text.split()
    if len(words) <= limit:
        return text.strip()
    cut = words[:limit]
    while len(cut) > 2 and cut[-1].lower().strip(",.") in STOP_WORDS:
        cut.pop()
    return " ".join(cut).rstrip(",;:")


def draw_thumbnails(job_dir: Path, formats: list[VideoFormat], plan: ShotPlan, look: Look,
                    title: str) -> dict[str, list[Path]]:
    folder = job_dir / "thumbnails"
    folder.mkdir(parents=True, exist_ok=True)
    stat = next((s for s in plan.shots if s.kind == "stat"), None)
    texts = [headline(title)]
    texts.append(headline(f"{stat.value}{stat.unit if stat.unit in ('%', '°C', '°F') else ' ' + stat.unit} "
                          f"{stat.text}".strip()) if stat else headline(title, 3))
    texts.append(headline(title, 4))
    highlight = frozenset(w.lower() for w in title.split() if len(w) > 4)
    out: dict[str, list[Path]] = {}
    for fmt in formats:
        size = thumbnail_size(fmt)
        paths = []
        for n, text in enumerate(texts[:VARIANTS]):
            face, drawable = look.fonts.face_for(text, headline=True)
            image, _ = draw_thumbnail(_background(n, size, look), Styled(drawable, face), look.brand, highlight)
            path = folder / (f"thumb-{fmt.name}.jpg" if n == 0 else f"thumb-{fmt.name}-{n + 1}.jpg")
            _save(image, path)
            paths.append(path)
        out[fmt.name] = paths
    return out


def _background(variant: int, size: tuple[int, int], look: Look) -> Image.Image:
    images = look.images
    if variant < 2 and images:
        index = min(variant, len(images) - 1)
        return cards.photo_background(images[index], look.photos[index].focus, size, look.palette)
    return generated_art(size[0], size[1], look.palette, look.seed + 7 * variant)


def _save(image: Image.Image, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        image.save(tmp, "JPEG", quality=90)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
