"""Stock B-roll from Pexels (https://www.pexels.com/api/documentation/#videos-search),
when the creator has added a key: ``GET /v1/videos/search`` with the key in the
``Authorization`` header, by the shot's keywords and the format's orientation.

A clip is chosen by length (``min_seconds``..``max_seconds``) and by its file:
an MP4 at least as wide as needed and no larger than ``max_bytes`` (by the
size the file announces, then while streaming). Each query's clip is downloaded
once and cached. Anything that goes wrong (a wrong key: 401; over quota: 429;
a server error; no result; a clip over the limits) is a ``BrollUnavailable``
with a reason the creator can read: the stage then keeps its offline shots.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

_PER_PAGE = 15  # the API's default; its maximum is 80
_REASONS = {401: "Pexels refused the key (401): check it in Settings › Accounts",
            403: "Pexels refused the key (403)",
            429: "over the Pexels quota (429): B-roll comes back when the quota resets"}


class BrollUnavailable(Exception):
    """No clip for this shot; ``str(exc)`` says why."""


@dataclass(frozen=True)
class Clip:
    path: Path
    source: str  # the clip's Pexels page
    duration: float
    width: int
    height: int


class PexelsVideos:
    name = "pexels"

    def __init__(self, *, api_key: str, base_url: str = "https://api.pexels.com", cache: Path,
                 timeout: float = 20.0, max_bytes: int = 40 * 1024 * 1024, min_seconds: float = 3.0,
                 max_seconds: float = 40.0) -> None:
        self._key, self._base, self._cache = api_key, base_url.rstrip("/"), cache
        self._timeout, self._max_bytes = timeout, max_bytes
        self._min, self._max = min_seconds, max_seconds

    def clip(self, query: str, orientation: str, min_width: int) -> Clip:
        """A downloaded clip for ``query`` ("landscape", "portrait" or "square")."""
        key = hashlib.sha1(f"{query}|{orientation}|{min_width}".encode()).hexdigest()[:16]
        cached = self._cache / f"{key}.mp4"
        video = self._search(query, orientation, min_width)
        if not cached.is_file():
            self._download(video[1]["link"], cached)
        data, chosen = video
        return Clip(cached, data.get("url", ""), float(data["duration"]), int(chosen["width"]), int(chosen["height"]))

    def _search(self, query: str, orientation: str, min_width: int) -> tuple[dict, dict]:
        params = {"query": query, "orientation": orientation, "size": "medium", "per_page": _PER_PAGE}
        try:
            with httpx.Client(timeout=self._timeout) as client:
                answer = client.get(f"{self._base}/v1/videos/search", params=params,
                                    headers={"Authorization": self._key})
        except httpx.HTTPError as exc:
            raise BrollUnavailable(f"Pexels could not be reached ({type(exc).__name__})") from exc
        if answer.status_code != 200:
            raise BrollUnavailable(_REASONS.get(answer.status_code, f"Pexels answered HTTP {answer.status_code}"))
        try:
            videos = answer.json().get("videos") or []
        except ValueError as exc:
            raise BrollUnavailable("Pexels sent something that is not JSON") from exc
        too_long = 0
        for video in videos:
            duration = float(video.get("duration") or 0)
            if not self._min <= duration <= self._max:
                too_long += duration > self._max
                continue
            files = [f for f in video.get("video_files") or [] if f.get("file_type") == "video/mp4"
                     and (f.get("width") or 0) >= min_width and f.get("link")]
            if files:
                return video, min(files, key=lambda f: f["width"] * f["height"])
        if not videos:
            raise BrollUnavailable(f"no Pexels clip for “{query}”")
        raise BrollUnavailable(f"no Pexels clip for “{query}” within {self._min:.0f}-{self._max:.0f} s and "
                               f"{min_width} px wide ({too_long} too long)")

    def _download(self, url: str, target: Path) -> None:
        download_clip(url, target, timeout=self._timeout, max_bytes=self._max_bytes)


def download_clip(url: str, target: Path, *, timeout: float, max_bytes: int,
                  unavailable: type[BrollUnavailable] = BrollUnavailable) -> None:
    """Fetch a stock or generated clip to ``target`` under a byte limit, whole or not at all
    (a temp name renamed when complete); any trouble is an ``unavailable`` with the reason."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True) as client:
            with client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise unavailable(f"the clip download answered HTTP {response.status_code}")
                announced = int(response.headers.get("Content-Length") or 0)
                if announced > max_bytes:
                    raise unavailable(f"the clip is {announced / 1e6:.0f} MB, over the {max_bytes / 1e6:.0f} MB limit")
                size = 0
                with open(partial, "wb") as out:
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > max_bytes:
                            raise unavailable(f"the clip is over the {max_bytes / 1e6:.0f} MB limit")
                        out.write(chunk)
        os.replace(partial, target)
    except httpx.HTTPError as exc:
        raise unavailable(f"the clip download failed ({type(exc).__name__})") from exc
    finally:
        partial.unlink(missing_ok=True)
