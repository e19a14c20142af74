"""Checks before any upload: would the platform reject this post, and how to fix it.

One data table per platform, from the platforms' published limits; a post that
breaks one is stopped with the reason and the fix ("9:16 video is 95 s;
Instagram Reels allow 90 s ...") before quota or upload time is spent.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ...domain import content
from .base import PostPackage

GB = 1024**3
MB = 1024**2


@dataclass(frozen=True)
class Rules:
    platform: str
    label: str  # what the creator calls the product, plural verb follows ("Instagram Reels allow")
    min_seconds: float
    max_seconds: float
    min_bytes: int
    max_bytes: int
    min_aspect: float  # width / height
    max_aspect: float
    codecs: frozenset[str]
    text_max: int | None  # None: longer text becomes a thread
    title_max: int | None
    hashtags_max: int | None
    text_field: str = "text"  # the package field the platform shows as the post body


RULES: dict[str, Rules] = {
    # YouTube Data API videos.insert: up to 256 GB / 12 h (15 min until the channel is verified);
    # snippet.title ≤ 100 chars, description ≤ 5000 bytes, neither may contain < or >;
    # more than 60 hashtags make YouTube ignore all of them.
    "youtube": Rules(
        "youtube", "YouTube uploads", 1, 12 * 3600, 1, 256 * GB, 0.1, 10.0,
        frozenset({"h264", "hevc", "vp9", "av1", "mpeg4", "prores"}),
        content.YOUTUBE_DESCRIPTION_MAX, content.YOUTUBE_TITLE_MAX, 60, text_field="description",
    ),
    # Instagram Graph API Reels specs: 3 s to 15 min, ≤ 300 MB, H.264/HEVC in MOV/MP4,
    # aspect 0.01:1 to 10:1 (9:16 recommended); caption ≤ 2200 chars, ≤ 30 hashtags.
    "instagram": Rules(
        "instagram", "Instagram Reels", 3, 15 * 60, 1, 300 * MB, 0.01, 10.0,
        frozenset({"h264", "hevc"}),
        content.INSTAGRAM_CAPTION_MAX, None, content.INSTAGRAM_HASHTAGS_MAX,
    ),
    # X media upload (tweet_video): 0.5 s to 140 s, ≤ 512 MB, H.264, aspect 1:3 to 3:1.
    # Longer text is posted as a thread, so no text limit here.
    "x": Rules(
        "x", "X videos", 0.5, 140, 1, 512 * MB, 1 / 3, 3.0, frozenset({"h264"}), None, None, None,
    ),
    # LinkedIn Videos API: 3 s to 30 min, 75 KB to 500 MB, MP4/H.264, aspect 1:2.4 to 2.4:1;
    # Posts API commentary ≤ 3000 chars.
    "linkedin": Rules(
        "linkedin", "LinkedIn videos", 3, 30 * 60, 75 * 1024, 500 * MB, 1 / 2.4, 2.4, frozenset({"h264"}),
        content.LINKEDIN_POST_MAX, None, None,
    ),
}

HASHTAG = re.compile(r"(?<![\w#])#\w+")


@dataclass(frozen=True)
class Probe:
    codec: str | None
    width: int | None
    height: int | None


@lru_cache(maxsize=64)
def _probe_cached(path: str, _mtime: float, _size: int) -> Probe:
    from ...pipeline.ffmpeg import ffmpeg_exe

    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", path], capture_output=True, text=True, errors="replace", timeout=30
    )
    match = re.search(r"Stream #\S+.*?: Video: (\w+)[^\n]*?, (\d{2,5})x(\d{2,5})", result.stderr)
    if not match:
        return Probe(None, None, None)
    return Probe(match.group(1).lower(), int(match.group(2)), int(match.group(3)))


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


def check(package: PostPackage, rules: Rules | None = None, *, probe_video=probe) -> list[str]:
    """Every reason this post would be refused, each with its fix; empty when it would pass."""
    rules = rules or RULES[package.platform]
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
    problems.extend(_text_problems(package, rules))
    return problems


def _text_problems(package: PostPackage, rules: Rules) -> list[str]:
    problems = []
    body = getattr(package, rules.text_field)
    if rules.text_max is not None and len(body) > rules.text_max:
        problems.append(
            f"the text is {len(body)} characters; {rules.label} allow {rules.text_max} — shorten it in the preview"
        )
    if rules.title_max is not None:
        if len(package.title) > rules.title_max:
            problems.append(
                f"the title is {len(package.title)} characters; {rules.label} allow {rules.title_max} — shorten it"
            )
        if not package.title.strip():
            problems.append(f"the title is empty; {rules.label} need one — write a title in the preview")
    if package.platform == "youtube" and any(c in package.title + package.description for c in "<>"):
        problems.append("the title or description contains < or >, which YouTube refuses — remove them")
    if rules.hashtags_max is not None:
        count = len(hashtags_in(package, rules.text_field))
        if count > rules.hashtags_max:
            problems.append(
                f"the post has {count} hashtags; {rules.label} allow {rules.hashtags_max} — remove "
                f"{count - rules.hashtags_max}"
            )
    return problems
