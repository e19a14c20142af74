"""What an image provider is asked for, and what it promises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from PIL import Image, ImageColor

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Palette:
    background: RGB
    primary: RGB
    accent: RGB
    text: RGB

    @classmethod
    def from_branding(cls, branding) -> "Palette":
        def rgb(value: str) -> RGB:
            return ImageColor.getrgb(value)[:3]

        return cls(rgb(branding.background_color), rgb(branding.primary_color),
                   rgb(branding.accent_color), rgb(branding.text_color))


@dataclass(frozen=True)
class ArtRequest:
    """A background for one scene. ``prompt`` describes the scene in words;
    ``seed`` makes generated art differ from scene to scene but repeat exactly
    when the job is redone."""

    prompt: str
    width: int
    height: int
    seed: int
    palette: Palette


class ImageProvider(Protocol):
    name: str

    def background(self, request: ArtRequest) -> Image.Image:
        """An RGB image for the scene, roughly ``width``×``height``; the stage
        cover-crops it to each format."""
        ...
