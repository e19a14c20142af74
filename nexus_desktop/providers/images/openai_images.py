"""Optional: scene backgrounds from an OpenAI-compatible images endpoint
(OpenAI, or a local server that speaks the same API), through the official
``openai`` client. Anything that goes wrong is an ``ImageRejected``: the stage
then draws its own art for that scene."""

from __future__ import annotations

import base64
import binascii

import openai
from PIL import Image

from .base import ArtRequest
from .download import ImageRejected, decode_image, fetch_image

# The sizes each model family accepts, as (landscape, portrait, square).
_SIZES = {
    "dall-e-3": ("1792x1024", "1024x1792", "1024x1024"),
    "gpt-image": ("1536x1024", "1024x1536", "1024x1024"),
}


def api_size(model: str, width: int, height: int) -> str:
    landscape, portrait, square = next(
        (sizes for prefix, sizes in _SIZES.items() if model.startswith(prefix)), ("1024x1024",) * 3
    )
    aspect = width / height
    return landscape if aspect >= 1.25 else portrait if aspect < 0.8 else square


def prompt_for(request: ArtRequest) -> str:
    colours = ", ".join("#%02X%02X%02X" % c for c in (request.palette.primary, request.palette.accent))
    return (
        f"Editorial background image for a short news video about: {request.prompt[:600]}. "
        f"Moody, cinematic, uncluttered, with calm space in the upper half for a headline; "
        f"colour accents {colours}. No text, letters, numbers, logos or watermarks."
    )


class OpenAIImages:
    name = "openai"

    def __init__(self, *, base_url: str, model: str, api_key: str | None = None, timeout: float = 120.0,
                 max_bytes: int = 20 * 1024 * 1024, max_pixels: int = 60_000_000) -> None:
        # Local servers (LM Studio, llama.cpp, ...) need no key; the client insists on one.
        self._client = openai.OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout,
                                     max_retries=1)
        self.model = model
        self._max_bytes = max_bytes
        self._max_pixels = max_pixels

    def background(self, request: ArtRequest) -> Image.Image:
        options = {"response_format": "b64_json"} if self.model.startswith("dall-e") else {}
        try:
            answer = self._client.images.generate(
                model=self.model, prompt=prompt_for(request), n=1,
                size=api_size(self.model, request.width, request.height), **options,
            )
        except openai.OpenAIError as exc:
            raise ImageRejected(f"the images endpoint failed: {type(exc).__name__}: {exc}") from exc
        if not answer.data:
            raise ImageRejected("the images endpoint returned no image")
        item = answer.data[0]
        target = (request.width, request.height)
        if item.b64_json:
            try:
                data = base64.b64decode(item.b64_json, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ImageRejected(f"the images endpoint returned bad base64 ({exc})") from exc
            if len(data) > self._max_bytes:
                raise ImageRejected("the generated image is over images.max_image_bytes")
            return decode_image(data, max_pixels=self._max_pixels, target=target)
        if item.url:
            return fetch_image(item.url, max_bytes=self._max_bytes, max_pixels=self._max_pixels, target=target)
        raise ImageRejected("the images endpoint returned neither b64_json nor url")
