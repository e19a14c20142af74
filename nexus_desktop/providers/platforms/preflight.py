"""Checks before any upload: would the platform reject this post, and how to fix it.

The limits come from each platform's description (``descriptions/<name>.py``); a post
that breaks one is stopped with the reason and the fix ("9:16 video is 95 s;
Instagram Reels allow 90 s ...") before quota or upload time is spent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ... import ffmpeg
from . import registry
from .base import PostPackage
from .description import ErrorMap, PlatformDescription, TextRules, VideoSpec

GB = 1024**3
MB = 1024**2


@dataclass(frozen=True)
class Rules:
    """The older flat form of a platform's limits, for adapters without a description yet."""

    platform: str
    label: str
    min_seconds: float
    max_seconds: float
    min_bytes: int
    max_bytes: int
    min_aspect: float
    max_aspect: float
    codecs: frozenset[str]
    text_max: int | None
    title_max: int | None
    hashtags_max: int | None
    text_field: str = "text"

    def as_description(self) -> PlatformDescription:
        video = VideoSpec(self.label, self.min_seconds, self.max_seconds, self.min_bytes, self.max_bytes,
                          self.min_aspect, self.max_aspect, self.codecs)
        text = TextRules(self.text_max, field=self.text_field, title_max=self.title_max, hashtags_max=self.hashtags_max)
        return PlatformDescription(self.platform, self.label, self.platform, "", None, "", video, None, text,
                                   ErrorMap(style=self.platform))


MENTION = re.compile(r"(?<![\w@])@[\w.]+")


def _text_length(text: str, unit: str) -> int:
    if unit == "bytes":
        return len(text.encode("utf-8"))
    if unit == "weighted":
        from ..llm.compose import x_length

        return x_length(text)
    return len(text)


HASHTAG = re.compile(r"(?<![\w#])#\w+")


@dataclass(frozen=True)
class Probe:
    codec: str | None
    width: int | None
    height: int | None


@lru_cache(maxsize=64)
def _probe_cached(path: str, _mtime: float, _size: int) -> Probe:
    try:
        video = ffmpeg.probe(path).video
    except ValueError:  # ffmpeg cannot read it
        return Probe(None, None, None)
    if video is None:
        return Probe(None, None, None)
    return Probe(video.codec.lower(), video.width or None, video.height or None)


def probe(path: Path) -> Probe:
    stat = path.stat()
    return _probe_cached(str(path), stat.st_mtime, stat.st_size)


def _format_label(video_format: str) -> str:
    return video_format.replace("x", ":")


def _format_aspect(video_format: str) -> float | None:
    match = re.fullmatch(r"(\d+)x(\d+)", video_format)
    return int(match.group(1)) / int(match.group(2)) if match else None


def _size(n: int) -> str:
    return f"{n / GB:.1f} GB" if n >= GB else f"{n / MB:.0f} MB" if n >= MB else f"{n / 1024:.0f} KB"


def hashtags_in(package: PostPackage, field: str) -> set[str]:
    found = {tag.lower() for tag in HASHTAG.findall(getattr(package, field))}
    found.update("#" + tag.lstrip("#").lower() for tag in package.hashtags)
    return found


def check(package: PostPackage, described: PlatformDescription | Rules | None = None, *, probe_video=probe) -> list[str]:
    """Every reason this post would be refused, each with its fix; empty when it would pass."""
    if isinstance(described, Rules):
        described = described.as_description()
    described = described or registry.description(package.platform)
    rules = described.video
    problems: list[str] = []
    if rules is not None:
        problems.extend(_video_problems(package, rules, probe_video))
    problems.extend(_text_problems(package, described.text, described.display_name))
    for extra in described.checks:
        problems.extend(extra(package))
    return problems


def _video_problems(package: PostPackage, rules, probe_video) -> list[str]:
    fmt = _format_label(package.video_format)
    path = package.video_path
    if not path.is_file():
        return [f"the video file {path} is missing; render the job again"]
    problems: list[str] = []
    duration = package.video_duration
    if duration > rules.max_seconds:
        problems.append(
            f"{fmt} video is {duration:.0f} s; {rules.label} allow {rules.max_seconds:.0f} s — "
            "shorten the narration (fewer narration words) and render again"
        )
    if duration < rules.min_seconds:
        problems.append(f"{fmt} video is {duration:.1f} s; {rules.label} need at least {rules.min_seconds:g} s")
    size = path.stat().st_size
    if size > rules.max_bytes:
        problems.append(
            f"{fmt} video is {_size(size)}; {rules.label} allow {_size(rules.max_bytes)} — "
            "render with a higher CRF (smaller file) or a shorter narration"
        )
    if size < rules.min_bytes:
        problems.append(f"{fmt} video is {_size(size)}; {rules.label} need at least {_size(rules.min_bytes)}")
    found = probe_video(path)
    aspect = found.width / found.height if found.width and found.height else _format_aspect(package.video_format)
    if aspect is not None and not rules.min_aspect <= aspect <= rules.max_aspect:
        problems.append(f"{fmt} video does not fit {rules.label}' aspect ratios — choose another format for this target")
    if found.codec is None:
        problems.append(f"the video file {path.name} cannot be read as a video; render the job again")
    elif found.codec not in rules.codecs:
        allowed = ", ".join(sorted(rules.codecs))
        problems.append(f"{fmt} video is encoded as {found.codec}; {rules.label} accept {allowed} — render it again")
    return problems


def _text_problems(package: PostPackage, rules: TextRules, name: str) -> list[str]:
    problems = []
    body = getattr(package, rules.field)
    what = "description" if rules.field == "description" else "text"
    if rules.max_length is not None:
        length = _text_length(body, rules.unit)
        if length > rules.max_length:
            unit = {"bytes": "bytes (UTF-8)", "weighted": "characters as X counts them"}.get(rules.unit, "characters")
            problems.append(
                f"the {what} is {length} {unit}; {name} allows {rules.max_length} — shorten it in the preview"
            )
    if rules.title_max is not None:
        if len(package.title) > rules.title_max:
            problems.append(f"the title is {len(package.title)} characters; {name} allows {rules.title_max} — shorten it")
        if not package.title.strip():
            problems.append(f"the title is empty; {name} needs one — write a title in the preview")
    if rules.forbidden and any(c in package.title + body for c in rules.forbidden):
        shown = " or ".join(rules.forbidden)
        problems.append(f"the title or {what} contains {shown}, which {name} refuses — remove them")
    if rules.hashtags_max is not None:
        count = len(hashtags_in(package, rules.field))
        if count > rules.hashtags_max:
            problems.append(
                f"the post has {count} hashtags; {name} allows {rules.hashtags_max} — remove {count - rules.hashtags_max}"
            )
    if rules.mentions_max is not None:
        count = len(set(MENTION.findall(body)))
        if count > rules.mentions_max:
            problems.append(
                f"the post mentions {count} accounts; {name} allows {rules.mentions_max} — remove {count - rules.mentions_max}"
            )
    return problems
