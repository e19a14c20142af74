"""Fetching and opening an image someone else controls.

Checks, in order: http(s) only; optionally not on this computer or its network
(checked again on every redirect); status 200; an ``image/*`` content type; the
byte cap (from Content-Length, then while decoding every Content-Encoding layer,
within a total deadline); the pixel count read from
the header, before a single pixel is decoded; Pillow's ``verify``; then a decode
reduced toward the size we need. Any failure is an ``ImageRejected`` with a
reason a person can read; the caller falls back to generated art.
"""

from __future__ import annotations

import io
import time
import warnings

import httpx
from PIL import Image, ImageOps, UnidentifiedImageError

from ...domain.addresses import is_reserved_host
from ..safe_http import (
    ACCEPT_ENCODING, BodyTooLarge, DeadlineExceeded, InternalAddressRefused, UnsupportedEncoding,
    read_capped, refuse_internal_hook,
)

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP", "AVIF", "MPO"})
_MAX_REDIRECTS = 5


class ImageRejected(Exception):
    """The image cannot be used; ``str(exc)`` says why."""


def fetch_image(
    url: str,
    *,
    max_bytes: int,
    max_pixels: int,
    timeout: float = 20.0,
    user_agent: str = "NexusDesktop/0.1",
    target: tuple[int, int] | None = None,
    deadline: float = 60.0,
    allow_internal: bool = True,
) -> Image.Image:
    """Download ``url`` and return it as an RGB image, or raise ImageRejected."""
    return decode_image(download(url, max_bytes=max_bytes, timeout=timeout, user_agent=user_agent,
                                 deadline=deadline, allow_internal=allow_internal),
                        max_pixels=max_pixels, target=target)


def download(url: str, *, max_bytes: int, timeout: float = 20.0, user_agent: str = "NexusDesktop/0.1",
             deadline: float = 60.0, allow_internal: bool = True) -> bytes:
    """``deadline`` bounds the whole download in seconds (``timeout`` bounds each read).
    ``allow_internal=False`` refuses loopback, link-local and private addresses, redirects
    included: for an image named by a feed on the public internet."""
    if not url.lower().startswith(("http://", "https://")):
        raise ImageRejected(f"not an http(s) URL: {url[:120]!r}")
    if is_reserved_host(url):
        raise ImageRejected("the address uses a domain reserved for examples, which no server answers")
    hooks = {} if allow_internal else {"request": [refuse_internal_hook]}
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=_MAX_REDIRECTS, event_hooks=hooks,
                          headers={"User-Agent": user_agent, "Accept": "image/*", "Accept-Encoding": ACCEPT_ENCODING}) as client:
            with client.stream("GET", url) as response:
                return _read_body(response, max_bytes, time.monotonic() + deadline)
    except InternalAddressRefused as exc:
        raise ImageRejected(f"not fetched: {exc}, and the feed is on the public internet") from exc
    except DeadlineExceeded as exc:
        raise ImageRejected(f"the download took longer than {deadline:g} s; stopped") from exc
    except UnsupportedEncoding as exc:
        raise ImageRejected(str(exc)) from exc
    except httpx.HTTPError as exc:
        raise ImageRejected(f"download failed: {type(exc).__name__}: {exc}") from exc


def _read_body(response: httpx.Response, max_bytes: int, deadline: float | None = None) -> bytes:
    if response.status_code != 200:
        raise ImageRejected(f"the server answered HTTP {response.status_code}")
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if not kind.startswith("image/"):
        raise ImageRejected(f"the server sent {kind or 'no content type'}, not an image")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ImageRejected(f"the image is {int(declared):,} bytes, over the {max_bytes:,}-byte limit "
                            "(images.max_image_bytes)")
    try:
        return read_capped(response, max_bytes, deadline)
    except BodyTooLarge:
        raise ImageRejected(f"the image is over the {max_bytes:,}-byte limit (images.max_image_bytes)") from None


def decode_image(data: bytes, *, max_pixels: int, target: tuple[int, int] | None = None,
                 keep_alpha: bool = False) -> Image.Image:
    """Open untrusted bytes as an RGB (or RGBA) image, refusing decompression bombs
    before decoding. ``target`` lets JPEG decode at a reduced scale when it is large."""
    image = _open_header(data, max_pixels)
    try:
        image.verify()
    except Exception as exc:  # verify raises many types for a corrupt file
        raise ImageRejected(f"the image file is corrupt ({exc})") from exc
    image = _open_header(data, max_pixels)  # verify leaves the image unusable
    try:
        if target and image.format == "JPEG":
            image.draft("RGB", target)
        image.load()
        image = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageRejected(f"the image cannot be decoded ({exc})") from exc
    return image.convert("RGBA") if keep_alpha else _to_rgb(image)


def _open_header(data: bytes, max_pixels: int) -> Image.Image:
    """Read only the header: format and size. Pillow's own bomb check is made an
    error too, so a huge image never reaches the decoder."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(f"refused before decoding: {exc}") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ImageRejected(f"not a readable image ({exc})") from exc
    width, height = image.size
    if width * height > max_pixels:
        raise ImageRejected(f"refused before decoding: {width}×{height} is over the {max_pixels:,}-pixel limit "
                            "(images.max_image_pixels)")
    if image.format not in ALLOWED_FORMATS:
        raise ImageRejected(f"{image.format} images are not accepted")
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (0, 0, 0))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")
