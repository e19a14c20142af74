"""Image providers: who paints a scene's background.

``pillow`` (the embedded default) draws brand-coloured art; ``openai`` asks an
OpenAI-compatible images endpoint. Cards, thumbnails and branding are always
drawn locally by ``pillow_cards``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ...settings import Settings
from .base import ArtRequest, ImageProvider, Palette
from .download import ImageRejected
from .pillow_cards import PillowCards

log = logging.getLogger(__name__)


def _api_key() -> str | None:
    """The OpenAI-compatible key from the keyring (the one analysis uses), if any."""
    from ... import secrets

    try:
        return secrets.get_secret("openai_api_key")
    except Exception as exc:  # a broken keyring must not stop a keyless local endpoint
        log.warning("could not read the images API key from the keyring: %s", type(exc).__name__)
        return None


def _openai(settings: Settings, api_key: str | None) -> ImageProvider:
    from .openai_images import OpenAIImages  # imports the openai client only when chosen

    images = settings.images
    return OpenAIImages(base_url=images.base_url, model=images.model, api_key=api_key or _api_key(),
                        max_bytes=images.max_image_bytes, max_pixels=images.max_image_pixels)


PROVIDERS: dict[str, Callable[[Settings, str | None], ImageProvider]] = {
    "pillow": lambda settings, api_key: PillowCards(),
    "openai": _openai,
}


def provider_for(settings: Settings, api_key: str | None = None) -> ImageProvider:
    return PROVIDERS[settings.images.provider](settings, api_key)


__all__ = ["ArtRequest", "ImageProvider", "ImageRejected", "Palette", "PillowCards", "PROVIDERS", "provider_for"]
