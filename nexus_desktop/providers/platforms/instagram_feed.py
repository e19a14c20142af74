"""The image of an Instagram feed post, made from the post's thumbnail.

Instagram fetches feed images itself from a public address (``image_url``), and takes only
JPEG, at most 8 MB, between 4:5 and 1.91:1 (``descriptions/instagram.py``). With a Sync bucket
the thumbnail goes there as a JPEG and Instagram gets an hour-long presigned link, as Threads
does for video (``public_links.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from .descriptions.instagram import DESCRIPTION

RULES = DESCRIPTION.image
assert RULES is not None


def problems(thumbnail: Path | None) -> list[str]:
    """Why the thumbnail cannot be the feed image, each with what to do."""
    if thumbnail is None or not thumbnail.is_file():
        return ["an Instagram feed post shows the post's thumbnail, and this post has none — render the job's thumbnails again"]
    try:
        with Image.open(thumbnail) as image:
            width, height = image.size
    except (OSError, UnidentifiedImageError):
        return [f"the thumbnail {thumbnail.name} is not an image Instagram can take — render the thumbnails again"]
    aspect = width / height
    if not RULES.min_aspect <= aspect <= RULES.max_aspect:
        return [f"the thumbnail is {width}x{height}; {RULES.label} must be between 4:5 and 1.91:1 — "
                "choose the 1:1 or 16:9 thumbnail for this post in its Publish tab"]
    return []


def jpeg_of(thumbnail: Path) -> Path:
    """The thumbnail as Instagram takes it: the file itself if it is a JPEG under the size limit,
    else a JPEG copy beside it (written to a temporary name, then renamed)."""
    if thumbnail.suffix.lower().lstrip(".") in RULES.formats and thumbnail.stat().st_size <= RULES.max_bytes:
        return thumbnail
    target = thumbnail.with_name(f"{thumbnail.stem}.instagram.jpg")
    if target.is_file() and target.stat().st_mtime >= thumbnail.stat().st_mtime:
        return target
    partial = target.with_name(f".{target.name}.partial")
    with Image.open(thumbnail) as image:
        image.convert("RGB").save(partial, "JPEG", quality=90, optimize=True)
    os.replace(partial, target)
    return target
