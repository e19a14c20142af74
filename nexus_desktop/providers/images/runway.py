"""AI video clips from RunwayML (https://docs.dev.runwayml.com/api), when the creator adds a key.

A shot with a photo becomes a short clip through ``POST /v1/image_to_video`` (model
``gen4_turbo``; the photo goes as a base64 data URI, so nothing of the creator's needs a
public address); a shot without one through ``POST /v1/text_to_video`` (model ``gen4.5``)
from its words. Both start a task; a job's tasks are all started first, then polled
together at ``GET /v1/tasks/{id}`` until each SUCCEEDED (its ``output`` holds the clip's
URL, downloaded at once: it expires in a day or two), FAILED or was CANCELLED. Every request carries ``Authorization: Bearer <key>`` and
``X-Runway-Version``.

Each clip is generated once per (image, prompt, ratio, duration) and cached: a re-run
of the stage, or a second format of the same shape, costs no credits. Anything that
goes wrong (a wrong key: 401; over the rate or credit limit: 429; Runway overloaded:
5xx; a task that failed, or took longer than the deadline; a clip over the size limit)
is a ``ClipUnavailable`` with a reason the creator can read: the stage then keeps its
offline shot. Without a key this module is never called.
"""

from __future__ import annotations

import base64
import hashlib
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from PIL import Image

from .pexels import BrollUnavailable, Clip, download_clip

API_VERSION = "2024-11-06"
IMAGE_MODEL = "gen4_turbo"
TEXT_MODEL = "gen4.5"
IMAGE_RATIOS = {"landscape": "1280:720", "portrait": "720:1280", "square": "960:960"}
TEXT_RATIOS = {"landscape": "1280:720", "portrait": "720:1280", "square": "1280:720"}  # gen4.5 has no square
PROMPT_LIMIT = 1000  # characters, as the API counts them (UTF-16 code units)
DATA_URI_LIMIT = 5 * 1024 * 1024
_SEND_LONG_SIDE = 1600  # the photo is sent no larger: the clips are 720p
_FINISHED = {"SUCCEEDED", "FAILED", "CANCELLED"}
_REASONS = {401: "RunwayML refused the key (401): check it in Settings › Images",
            429: "over the RunwayML rate or credit limit (429): AI clips come back when it resets"}


class ClipUnavailable(BrollUnavailable):
    """No AI clip for this shot; ``str(exc)`` says why. ``final``: asking again for another
    shot would get the same answer (a wrong key, the limit, Runway down, the deadline)."""

    def __init__(self, message: str, *, final: bool = False) -> None:
        super().__init__(message)
        self.final = final


@dataclass(frozen=True)
class ClipAsk:
    image: Image.Image | None  # the photo to bring to life; None: a clip of the prompt alone
    prompt: str
    orientation: str  # "landscape", "portrait" or "square"
    seconds: float  # how long the shot lasts


def _clip(path: Path, ask: ClipAsk, source: str) -> Clip:
    ratio = (IMAGE_RATIOS if ask.image is not None else TEXT_RATIOS)[ask.orientation]
    width, height = (int(n) for n in ratio.split(":"))
    return Clip(path, source, float(clip_duration(ask.seconds)), width, height)


def clip_duration(seconds: float) -> int:
    """The API's whole seconds, 2 to 10, covering the shot."""
    return max(2, min(10, int(-(-seconds // 1))))


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def prompt_text(text: str) -> str:
    """At most ``PROMPT_LIMIT`` UTF-16 code units, cut at a word."""
    text = " ".join(text.split())
    if _units(text) <= PROMPT_LIMIT:
        return text
    while _units(text) > PROMPT_LIMIT:
        text = text[: len(text) - (_units(text) - PROMPT_LIMIT)]
    return text.rsplit(" ", 1)[0] if " " in text else text


def data_uri(image: Image.Image) -> str:
    """The photo as a JPEG data URI under the API's 5 MB."""
    picture = image.convert("RGB")
    if max(picture.size) > _SEND_LONG_SIDE:
        picture = picture.copy()
        picture.thumbnail((_SEND_LONG_SIDE, _SEND_LONG_SIDE), Image.Resampling.LANCZOS)
    for quality in (90, 80, 65, 50):
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=quality)
        if buffer.tell() * 4 // 3 + 64 < DATA_URI_LIMIT:
            return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    raise ClipUnavailable("the photo is too large to send to RunwayML, even compressed")


class RunwayVideos:
    """Clips from a photo or a prompt, behind the same ``Clip`` result as the stock provider."""

    name = "runway"

    def __init__(self, *, api_key: str, base_url: str = "https://api.dev.runwayml.com", cache: Path,
                 timeout: float = 20.0, max_bytes: int = 60 * 1024 * 1024, deadline_seconds: float = 300.0,
                 poll_seconds: float = 5.0, sleep: Callable[[float], None] = time.sleep,
                 cancelled: Callable[[], bool] = lambda: False) -> None:
        self._key, self._base, self._cache = api_key, base_url.rstrip("/"), cache
        self._timeout, self._max_bytes = timeout, max_bytes
        self._deadline, self._poll, self._sleep, self._cancelled = deadline_seconds, poll_seconds, sleep, cancelled

    def cached(self, image: Image.Image | None, prompt: str, orientation: str, seconds: float) -> Path:
        return self._cache / f"{self._key_for(image, prompt, orientation, seconds)}.mp4"

    def clip(self, image: Image.Image | None, prompt: str, orientation: str, seconds: float) -> Clip:
        """A clip of the photo (``image``) brought to life, or, without one, of ``prompt``;
        ``orientation`` is "landscape", "portrait" or "square"."""
        made = self.clips([ClipAsk(image, prompt, orientation, seconds)])[0]
        if isinstance(made, ClipUnavailable):
            raise made
        return made

    def clips(self, asks: list[ClipAsk]) -> list[Clip | ClipUnavailable]:
        """Every clip asked for, in order, or why not. All tasks are started first and polled
        together, so a job waits about as long as its slowest clip, not their sum. A refusal
        that would repeat (a wrong key, the limit, Runway overloaded) stops the asking: the
        clips not started yet get the same reason."""
        results: list[Clip | ClipUnavailable | None] = [None] * len(asks)
        waiting: dict[Path, list[int]] = {}
        tasks: dict[str, tuple[Path, dict]] = {}
        stop: ClipUnavailable | None = None
        for index, ask in enumerate(asks):
            target = self.cached(ask.image, ask.prompt, ask.orientation, ask.seconds)
            if target.is_file():
                results[index] = _clip(target, ask, "runway (cached)")
            elif target in waiting:
                waiting[target].append(index)  # the same clip for a second format: one task
            elif stop is not None:
                results[index] = stop
            else:
                try:
                    task, body = self._start(ask, target)
                except ClipUnavailable as exc:
                    results[index] = exc
                    stop = exc if exc.final else None
                    continue
                waiting[target] = [index]
                tasks[task] = (target, body)
        for task, outcome in self._wait_all(tasks).items():
            target, _ = tasks[task]
            for index in waiting[target]:
                results[index] = outcome if isinstance(outcome, ClipUnavailable) else \
                    _clip(target, asks[index], f"runway task {task}")
        return [r if r is not None else ClipUnavailable("RunwayML was not asked") for r in results]

    def _start(self, ask: ClipAsk, target: Path) -> tuple[str, dict]:
        ratio = (IMAGE_RATIOS if ask.image is not None else TEXT_RATIOS)[ask.orientation]
        body = {"promptText": prompt_text(ask.prompt) or "Slow cinematic camera move", "ratio": ratio,
                "duration": clip_duration(ask.seconds),
                "seed": int(hashlib.sha1(target.name.encode()).hexdigest()[:8], 16)}
        if ask.image is not None:
            body.update(model=IMAGE_MODEL, promptImage=data_uri(ask.image))
            return self._post("/v1/image_to_video", body), body
        body.update(model=TEXT_MODEL)
        return self._post("/v1/text_to_video", body), body

    def _wait_all(self, tasks: dict[str, tuple[Path, dict]]) -> dict[str, Path | ClipUnavailable]:
        """Each task's downloaded clip or why not; polls until all are done or the deadline."""
        done: dict[str, Path | ClipUnavailable] = {}
        end = time.monotonic() + self._deadline
        while len(done) < len(tasks):
            for task, (target, _) in tasks.items():
                if task in done:
                    continue
                try:
                    url = self._finished(task)
                    if url is not None:
                        self._download(url, target)
                        done[task] = target
                except ClipUnavailable as exc:
                    done[task] = exc
            if len(done) == len(tasks):
                break
            late = None
            if self._cancelled():
                late = ClipUnavailable("cancelled while RunwayML was making the clip", final=True)
            elif time.monotonic() + self._poll > end:
                late = ClipUnavailable(f"RunwayML took longer than {self._deadline:g} s; the offline shot is kept",
                                       final=True)
            if late is not None:
                for task in tasks:
                    done.setdefault(task, late)
                break
            self._sleep(self._poll)
        return done

    # -- the API -------------------------------------------------------------------------

    def _key_for(self, image: Image.Image | None, prompt: str, orientation: str, seconds: float) -> str:
        digest = hashlib.sha1()
        if image is not None:
            digest.update(image.convert("RGB").tobytes())
            digest.update(repr(image.size).encode())
        ratio = (IMAGE_RATIOS if image is not None else TEXT_RATIOS)[orientation]
        digest.update(f"|{prompt_text(prompt)}|{ratio}|{clip_duration(seconds)}".encode())
        return digest.hexdigest()[:20]

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}", "X-Runway-Version": API_VERSION}

    def _request(self, method: str, path: str, body: dict | None = None) -> dict:
        try:
            with httpx.Client(timeout=self._timeout) as client:
                answer = client.request(method, f"{self._base}{path}", json=body, headers=self._headers())
        except httpx.HTTPError as exc:
            raise ClipUnavailable(f"RunwayML could not be reached ({type(exc).__name__})", final=True) from exc
        if answer.status_code != 200:
            raise ClipUnavailable(self._refusal(answer), final=answer.status_code in (401, 429) or answer.status_code >= 500)
        try:
            data = answer.json()
        except ValueError as exc:
            raise ClipUnavailable("RunwayML sent something that is not JSON") from exc
        if not isinstance(data, dict):
            raise ClipUnavailable("RunwayML sent an answer of an unexpected shape")
        return data

    @staticmethod
    def _refusal(answer: httpx.Response) -> str:
        if answer.status_code in _REASONS:
            return _REASONS[answer.status_code]
        try:
            said = answer.json().get("error")
        except (ValueError, AttributeError):
            said = None
        said = f": {str(said)[:200]}" if said else ""
        if answer.status_code >= 500:
            return f"RunwayML is overloaded (HTTP {answer.status_code}); the next run tries again"
        return f"RunwayML refused the request (HTTP {answer.status_code}{said})"

    def _post(self, path: str, body: dict) -> str:
        task = self._request("POST", path, body).get("id")
        if not isinstance(task, str) or not task:
            raise ClipUnavailable("RunwayML started no task")
        return task

    def _finished(self, task: str) -> str | None:
        """The finished task's clip URL, None while it runs; ClipUnavailable when it failed."""
        state = self._request("GET", f"/v1/tasks/{task}")
        status = state.get("status")
        if status == "SUCCEEDED":
            output = state.get("output") or []
            if not output or not isinstance(output[0], str):
                raise ClipUnavailable("RunwayML finished the clip but gave no address for it")
            return output[0]
        if status in _FINISHED:
            why = str(state.get("failure") or "no reason given")[:200]
            raise ClipUnavailable(f"RunwayML could not make the clip ({status.lower()}: {why})")
        return None

    def _download(self, url: str, target: Path) -> None:
        if not url.startswith(("https://", "http://")):
            raise ClipUnavailable("RunwayML gave a clip address that is not a web address")
        download_clip(url, target, timeout=self._timeout, max_bytes=self._max_bytes, unavailable=ClipUnavailable)
