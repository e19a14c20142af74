"""AI video clips for a few shots, when the creator has added a RunwayML key.

Shots with an article photo come first: the photo is brought to life (image to
video). When the article has no photo, shots that show only an icon or kinetic
text get a clip made from their words and the title (text to video). At most
``images.ai_clip_shots`` per job, in each format's shape; each clip is cached per
(image, prompt, ratio), so a re-run or a second format of the same shape costs
nothing. Without a key nothing here runs and nothing touches the network; with
one, any failure (wrong key, over the limit, Runway overloaded, a failed task, a
task over the deadline) keeps the offline shot and leaves a note on the plan,
never a failed job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PIL import Image

from ..domain.content import VideoFormat
from ..domain.shots import FormatFrames, Shot
from ..providers.images.runway import ClipAsk, ClipUnavailable, RunwayVideos
from .broll import orientation, shown_as_clip

log = logging.getLogger(__name__)

SECRET_NAME = "runway_api_key"
POLL_SECONDS = 5.0  # how often a running task is asked about
FROM_WORDS = ("icon", "title")  # shots without a photo that may become a clip of their words


def stored_key() -> str | None:
    from .. import secrets

    try:
        return secrets.get_secret(SECRET_NAME)
    except Exception as exc:  # a broken keyring must not stop an offline render
        log.info("no RunwayML key: the keyring cannot be read (%s)", type(exc).__name__)
        return None


def chosen(shots: list[Shot], photos: int, limit: int, keep: frozenset[int] = frozenset()) -> list[int]:
    """The shots to upgrade: photo shots first; without photos, icon and title shots (never the
    opening hook, the end card, or a shot whose kind the creator chose: those in ``keep``)."""
    inner = [i for i in range(1, len(shots) - 1) if i not in keep]
    with_photo = [i for i in inner if shots[i].kind == "photo" and 0 <= shots[i].photo < photos]
    from_words = [] if photos else [i for i in inner if shots[i].kind in FROM_WORDS]
    return (with_photo + from_words)[:limit]


def prompt_for(shot: Shot, title: str) -> str:
    words = " ".join(p for p in (title, shot.text, shot.icon.replace("-", " ")) if p)
    if shot.kind == "photo":
        return f"{words}. Subtle natural motion in the photo, slow cinematic camera push-in."
    return f"{words}. Cinematic documentary footage, natural light, slow camera move."


def add_ai_clips(settings, job_dir: Path, shots: list[Shot], frames: list[FormatFrames], formats: list[VideoFormat],
                 images: tuple[Image.Image, ...], title: str, cache: Path, *,
                 keep: frozenset[int] = frozenset(),
                 cancelled: Callable[[], bool] = lambda: False,
                 progress: Callable[[str], None] = lambda message: None) -> tuple[list[Shot], list[FormatFrames], list[str]]:
    """Shots and frames with AI clips where RunwayML made one, and the notes on the rest."""
    limit = settings.images.ai_clip_shots
    wanted = chosen(shots, len(images), limit, keep) if limit else []
    key = stored_key() if wanted else None
    if not key:
        return shots, frames, []
    provider = RunwayVideos(api_key=key, base_url=settings.images.runway_base_url, cache=cache,
                            timeout=settings.harvest.timeout_seconds, poll_seconds=POLL_SECONDS,
                            deadline_seconds=settings.images.ai_clip_deadline_seconds, cancelled=cancelled)
    asks, owners = [], []
    for index in wanted:
        shot = shots[index]
        image = images[shot.photo] if shot.kind == "photo" else None
        for fmt in formats:
            asks.append(ClipAsk(image, prompt_for(shot, title), orientation(fmt), shot.end - shot.start))
            owners.append((index, fmt.name))
    progress(f"Asking RunwayML for {len(wanted)} AI clip(s)")
    made = provider.clips(asks)
    got: dict[int, dict[str, Path]] = {}
    why: dict[int, ClipUnavailable] = {}
    for (index, name), outcome in zip(owners, made):
        if isinstance(outcome, ClipUnavailable):
            why.setdefault(index, outcome)
        else:
            got.setdefault(index, {})[name] = outcome.path
    notes: list[str] = []
    for index, exc in why.items():
        shot = shots[index]
        what = f"photo {shot.photo + 1}" if shot.kind == "photo" else f"“{shot.text or shot.icon}”"
        if not any(str(exc) in note for note in notes):  # one refusal said once, not once per shot
            log.warning("no AI clip for %s: %s", what, exc)
            notes.append(f"AI clip for {what}: {exc}")
    by_format = {f.name: list(f.shots) for f in frames}
    upgraded = {index for index in got if index not in why}  # a shot moves in every format or in none
    for index in upgraded:
        for fmt in formats:
            drawn = by_format[fmt.name][index]
            by_format[fmt.name][index] = shown_as_clip(job_dir, "ai_clips", got[index][fmt.name], drawn)
    shots = [replace(s, kind="ai_clip") if i in upgraded else s for i, s in enumerate(shots)]
    frames = [replace(f, shots=tuple(by_format[f.name])) for f in frames]
    return shots, frames, notes
