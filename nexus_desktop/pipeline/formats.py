"""Which video formats a job is made in, from the render settings.

``render.formats`` names the formats, in order: the standard ``16x9``, ``9x16``,
``1x1``, or the name of an entry in ``render.custom_sizes``. Every custom size
is made too, even when ``render.formats`` does not name it.
"""

from __future__ import annotations

import re

from ..domain.content import FORMATS, LANDSCAPE, PORTRAIT, SQUARE, SafeArea, VideoFormat
from ..domain.errors import UserFixableError
from ..settings import Settings

# The name becomes a folder and part of file names.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


def active_formats(settings: Settings) -> list[VideoFormat]:
    custom = _custom_formats(settings)
    chosen: list[VideoFormat] = []
    for name in settings.render.formats:
        fmt = custom.get(name) or FORMATS.get(name)
        if fmt is None:
            known = ", ".join([*FORMATS, *custom])
            raise UserFixableError(f"render.formats: unknown format {name!r}",
                                   hint=f"use one of {known}, or add it under render.custom_sizes")
        if fmt not in chosen:
            chosen.append(fmt)
    chosen += [fmt for fmt in custom.values() if fmt not in chosen]
    if not chosen:
        raise UserFixableError("render.formats is empty: no video format to make",
                               hint="choose at least one of 16x9, 9x16, 1x1 in Settings › Render")
    return chosen


def _custom_formats(settings: Settings) -> dict[str, VideoFormat]:
    formats: dict[str, VideoFormat] = {}
    for size in settings.render.custom_sizes:
        if not _NAME.match(size.name):
            raise UserFixableError(f"render.custom_sizes: the name {size.name!r} cannot be used for files",
                                   hint="use letters, digits, '.', '-' or '_', e.g. 'story-4k'")
        # H.264 in yuv420p needs even dimensions.
        width, height = size.width - size.width % 2, size.height - size.height % 2
        formats[size.name] = VideoFormat(size.name, width, height, safe_area_for(width, height))
    return formats


def safe_area_for(width: int, height: int) -> SafeArea:
    """The safe area of the standard format closest in shape."""
    aspect = width / height
    if aspect < 0.8:
        return PORTRAIT.safe
    if aspect < 1.25:
        return SQUARE.safe
    return LANDSCAPE.safe
