"""Stock B-roll for a few shots, when the creator has added a Pexels key.

Shots whose picture is only an icon or kinetic text are the ones upgraded (up
to ``images.broll_shots``), in each format's orientation, by the shot's own
words. Without a key nothing here runs and nothing touches the network; with
one, any failure (wrong key, over quota, no result, a clip over the limits)
leaves the offline shot in place and a note on the plan, never a failed job.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import replace
from pathlib import Path

from ..domain.content import VideoFormat
from ..domain.shots import FormatFrames, Shot, ShotFrames
from ..providers.images.pexels import BrollUnavailable, PexelsVideos

log = logging.getLogger(__name__)

UPGRADABLE = ("icon", "title")


def _key() -> str | None:
    from .. import secrets

    try:
        return secrets.get_secret("pexels_api_key")
    except Exception as exc:  # a broken keyring must not stop an offline render
        log.info("no Pexels key: the keyring cannot be read (%s)", type(exc).__name__)
        return None


def orientation(fmt: VideoFormat) -> str:
    return "landscape" if fmt.aspect >= 1.25 else "portrait" if fmt.aspect < 0.8 else "square"


def shown_as_clip(job_dir: Path, folder: str, clip: Path, drawn: ShotFrames) -> ShotFrames:
    """``drawn`` playing ``clip`` instead of its pictures, the clip copied once into the job's
    ``folder`` (the cache may be cleaned; the job keeps what its video uses)."""
    kept = job_dir / folder / clip.name
    kept.parent.mkdir(parents=True, exist_ok=True)
    if not kept.exists():
        shutil.copyfile(clip, kept)
    return replace(drawn, clip=kept.relative_to(job_dir).as_posix(), layers=())


def add_broll(settings, job_dir: Path, shots: list[Shot], frames: list[FormatFrames],
              formats: list[VideoFormat], cache: Path, *, keep: frozenset[int] = frozenset(),
              ) -> tuple[list[Shot], list[FormatFrames], list[str]]:
    """Shots and frames with clips where Pexels had one, and the notes on the rest. Shots
    in ``keep`` (the creator chose their kind) are never swapped for a clip."""
    key = _key()
    wanted = [i for i, s in enumerate(shots) if s.kind in UPGRADABLE and 0 < i < len(shots) - 1 and i not in keep]
    wanted = wanted[:settings.images.broll_shots]
    if not key or not wanted:
        return shots, frames, []
    provider = PexelsVideos(api_key=key, base_url=settings.images.pexels_base_url, cache=cache,
                            timeout=settings.harvest.timeout_seconds)
    notes: list[str] = []
    by_format = {f.name: list(f.shots) for f in frames}
    upgraded: set[int] = set()
    for index in wanted:
        query = shots[index].text or shots[index].icon.replace("-", " ")
        clips = {}
        try:
            for fmt in formats:
                clips[fmt.name] = provider.clip(query, orientation(fmt), min(fmt.width, 1280))
        except BrollUnavailable as exc:
            log.warning("no B-roll for “%s”: %s", query, exc)
            notes.append(f"B-roll for “{query}”: {exc}")
            if "401" in str(exc) or "429" in str(exc):
                break  # the same answer for every other shot: ask no more
            continue
        for fmt in formats:
            drawn = by_format[fmt.name][index]
            by_format[fmt.name][index] = shown_as_clip(job_dir, "broll", clips[fmt.name].path, drawn)
        upgraded.add(index)
    shots = [replace(s, kind="broll") if i in upgraded else s for i, s in enumerate(shots)]
    frames = [replace(f, shots=tuple(by_format[f.name])) for f in frames]
    return shots, frames, notes


__all__ = ["add_broll", "ShotFrames"]
