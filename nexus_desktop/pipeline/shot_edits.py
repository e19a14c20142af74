"""Steering a job's shots: list them, store the creator's change, re-render just that job.

The same functions serve ``nexus shots`` and the preview's shot list (which runs
them on the runner, never on the GUI thread). A change is checked before it is
stored (a shot that is not there, a stat for a sentence with no number, a photo
that is not the article's, a job that is being made: each a ``UserFixableError``
saying why) and stored with the job's results (``results["steering"]``), so it
survives a re-run; ``rerender`` redoes only visualize and render.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from ..domain.content import Narration, Script
from ..domain.errors import IllegalTransition, UserFixableError
from ..domain.jobs import JobStatus
from ..domain.shots import (KIND_NAMES, STEERABLE, STEERING, FormatFrames, Photo, Shot, ShotOverride, ShotPlan,
                            overrides_entry, overrides_from)
from ..domain.stages import Stage
from ..providers.images import icons
from ..store.views import JobView
from . import photos as article_photos
from . import shot_plan, shot_steer
from .flow import Workspace

RERENDER = frozenset({Stage.VISUALIZE, Stage.RENDER})


@dataclass(frozen=True)
class ShotRow:
    number: int  # 1-based, in planned order: a removed shot keeps its number
    shot: Shot  # as the video shows it (as planned, when removed)
    removed: bool
    frame: int  # index into the plan's frames, -1 for a removed shot
    pending: str  # what waits for a re-render ("" when the video shows what the creator asked)
    options: tuple[tuple[str, str], ...]  # (kind, "" or why it cannot be) for each steerable kind

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.shot.kind, self.shot.kind)

    def refusal(self, kind: str) -> str:
        return dict(self.options).get(kind, f"“{kind}” is not a kind a shot can have")


@dataclass(frozen=True)
class ShotList:
    job_id: int
    title: str
    status: JobStatus
    rows: tuple[ShotRow, ...]
    photos: tuple[Photo, ...]
    notes: tuple[str, ...]
    pending: int  # changes the video does not show yet
    busy: str  # why the shots cannot be changed now, or ""
    frames: FormatFrames | None  # the format thumbnails are drawn from

    def row(self, number: int) -> ShotRow:
        if not 1 <= number <= len(self.rows):
            raise UserFixableError(f"there is no shot {number}: job {self.job_id} has shots 1–{len(self.rows)}",
                                   hint=f"list them with: nexus shots {self.job_id}")
        return self.rows[number - 1]


def describe(shot: Shot, photos: tuple[Photo, ...] = ()) -> str:
    """One line for what a shot shows."""
    if shot.kind == "stat":
        return " ".join(p for p in (f"{shot.value}{shot.unit}", shot.text) if p)
    if shot.kind == "quote":
        return f"“{shot_steer.clip(shot.text, 60)}”" + (f" — {shot.who}" if shot.who else "")
    if shot.kind == "photo":
        return f"photo {shot.photo + 1} of {len(photos)}" if photos else "photo"
    if shot.kind == "icon":
        return f"{shot.icon}: {shot.text}"
    if shot.kind == "end":
        return "call to follow and source credit" + (f", {shot.text}" if shot.text else "")
    return shot_steer.clip(shot.text, 60)


def _wish(override: ShotOverride | None, photos: tuple[Photo, ...]) -> str:
    if override is None:
        return "as planned"
    if override.remove:
        return "removed"
    if override.photo:
        index = shot_steer.Material("", photos=photos).photo_index(override.photo)
        return f"photo {index + 1}" if index is not None else "another photo"
    return KIND_NAMES.get(override.kind, override.kind)


def load(ws: Workspace, job_id: int) -> ShotList:
    """The job's shots as its video shows them, with the changes waiting for a re-render."""
    detail = ws.store.jobs.detail(job_id)
    if detail is None:
        raise UserFixableError(f"there is no job {job_id}", hint="list jobs with: nexus jobs")
    plan_data = (detail.results.get(Stage.VISUALIZE.value) or {}).get("plan")
    job = detail.job
    busy = f"it is being made right now ({job.stage.value})" if job.status is JobStatus.RUNNING else ""
    if not plan_data:
        return ShotList(job_id, job.title, job.status, (), (), (), 0, busy, None)
    plan = _with_keys(ShotPlan.from_dict(plan_data), detail.results)
    stored = overrides_from(detail.results)
    material = _material(detail.results, plan)
    shown = sorted([(s, False, i) for i, s in enumerate(plan.shots)] + [(s, True, -1) for s in plan.removed],
                   key=lambda entry: (entry[0].start, entry[1]))
    rows, pending = [], 0
    for number, (shot, removed, frame) in enumerate(shown, 1):
        wanted = _override_for(stored, shot)
        applied = _override_for(plan.steering, shot)
        now = "removed" if removed else describe(shot, plan.photos) if shot.kind == "photo" else KIND_NAMES[shot.kind]
        waiting = f"{now} → {_wish(wanted, plan.photos)}" if wanted != applied else ""
        pending += bool(waiting)
        options = tuple((kind, _refusal(shot, kind, material, plan.shots)) for kind in STEERABLE)
        rows.append(ShotRow(number, shot, removed, frame, waiting, options))
    frames = min(plan.formats, key=lambda f: f.width * f.height) if plan.formats else None
    return ShotList(job_id, job.title, job.status, tuple(rows), plan.photos, plan.notes, pending, busy, frames)


def _refusal(shot: Shot, kind: str, material: shot_steer.Material, shots) -> str:
    built = shot_steer.build(shot, kind, material, shots=shots)
    return built if isinstance(built, str) else ""


def _override_for(overrides, shot: Shot) -> ShotOverride | None:
    return next((o for o in overrides if o.finds(shot)), None)


def _with_keys(plan: ShotPlan, results: dict) -> ShotPlan:
    """A plan made before steering has no keys on its shots: key them as the planner would."""
    if all(s.words for s in plan.shots if s.kind != "end") or plan.removed:
        return plan
    script = Script.from_dict(results[Stage.ANALYZE.value]["script"])
    narration = Narration.from_dict(results[Stage.NARRATE.value]["narration"])
    tokens = shot_plan.align(script, narration.words, narration.duration)
    return replace(plan, shots=tuple(shot_steer.keyed(plan.shots, tokens)))


def _material(results: dict, plan: ShotPlan) -> shot_steer.Material:
    script = Script.from_dict(results[Stage.ANALYZE.value]["script"])
    return shot_steer.Material(script.narration, tuple(k for scene in script.scenes for k in scene.keywords),
                               plan.photos, icons.match)


@dataclass(frozen=True)
class Change:
    job: JobView
    message: str  # what was done, for the status bar or the terminal
    before: tuple[ShotOverride, ...]  # the overrides as they were (for Undo)


def change(ws: Workspace, job_id: int, number: int, *, remove: bool = False, kind: str = "", photo: str = "",
           restore: bool = False) -> Change:
    """Store one change to shot ``number`` after checking it can be made."""
    shots = load(ws, job_id)
    if not shots.rows:
        raise UserFixableError(f"job {job_id} has no shots yet: they are planned when its pictures are drawn",
                               hint="run the job until it waits for review, then change its shots")
    if shots.busy:
        raise UserFixableError(f"job {job_id} cannot be changed now: {shots.busy}",
                               hint="wait until it waits for review, then change its shots")
    row = shots.row(number)
    shot = row.shot
    if restore:
        return _store(ws, shots, shot, None, f"Shot {number} goes back to what was planned")
    if remove:
        left = sum(1 for r in shots.rows if not r.removed and r is not row)
        if not row.removed and left == 0:
            raise UserFixableError("that is the video's only shot: it cannot be removed")
        return _store(ws, shots, shot, ShotOverride(shot.word, shot.words, remove=True),
                      f"Shot {number} ({row.kind_name}) removed")
    url = _photo_url(ws, job_id, shots, photo) if photo else ""
    if kind:
        named = shot_steer.kind_named(kind)
        if named is None:
            raise UserFixableError(f"“{kind}” is not a kind a shot can have",
                                   hint=f"choose one of: {', '.join(STEERABLE)} (title is kinetic text)")
        kind = named
    wanted = kind or "photo"
    if url and wanted != "photo":
        raise UserFixableError(f"a {KIND_NAMES[wanted]} shot shows no photo", hint="pick a photo without a kind")
    if shot.kind == "end":
        raise UserFixableError("the end card carries the source credit: it can be removed, not changed")
    why = row.refusal(wanted) if not (url and wanted == "photo") else ""
    if why:
        raise UserFixableError(f"shot {number} cannot be a {KIND_NAMES[wanted]}: {why}")
    what = f"photo {_photo_number(shots, url)}" if url else KIND_NAMES[wanted]
    return _store(ws, shots, shot, ShotOverride(shot.word, shot.words, kind=wanted, photo=url),
                  f"Shot {number} becomes {what}")


def _photo_url(ws: Workspace, job_id: int, shots: ShotList, photo: str) -> str:
    """A photo by its number in the list or by URL; only the article's own images."""
    photo = photo.strip()
    if photo.isdigit():
        if not 1 <= int(photo) <= len(shots.photos):
            raise UserFixableError(f"there is no photo {photo}: " + (f"the job has photos 1–{len(shots.photos)}"
                                   if shots.photos else "the article has no photo that loaded"))
        source = shots.photos[int(photo) - 1].source
        shared = sum(1 for p in shots.photos if p.source == source) > 1  # an image provider's pictures
        return f"{source}#{photo}" if shared else source
    if any(p.source == photo for p in shots.photos):
        return photo
    article = ws.store.jobs.article(job_id)
    from .article_page import remembered_images  # reaches the script writers (yake): not at window start

    if photo not in article_photos.image_urls(article, remembered_images(ws.paths.job_dir(job_id), article.link)):
        raise UserFixableError(f"{shot_steer.clip(photo, 80)} is not one of the article's images",
                               hint=f"pick one listed by: nexus shots {job_id}")
    return photo


def _photo_number(shots: ShotList, url: str) -> str:
    index = shot_steer.Material("", photos=shots.photos).photo_index(url)
    return str(index + 1) if index is not None else shot_steer.clip(url, 60)


def _store(ws: Workspace, shots: ShotList, shot: Shot, override: ShotOverride | None, message: str) -> Change:
    """Replace the shot's override; overrides for shots no longer in the plan go too."""
    here = [row.shot for row in shots.rows]

    def edit(entry):
        kept = tuple(o for o in overrides_from({STEERING: entry})
                     if not o.finds(shot) and any(o.finds(s) for s in here))
        return overrides_entry(kept + ((override,) if override else ()))

    view, before = _write(ws, shots.job_id, edit)
    return Change(view, message, overrides_from({STEERING: before}))


def put_back(ws: Workspace, job_id: int, overrides: tuple[ShotOverride, ...]) -> JobView:
    """Store these overrides instead of the present ones (Undo)."""
    return _write(ws, job_id, lambda entry: overrides_entry(overrides))[0]


PAST_REVIEW = frozenset({JobStatus.APPROVED, JobStatus.SCHEDULED, JobStatus.PUBLISHED})


def rerender(ws: Workspace, job_id: int) -> JobView:
    """Queue the job to draw its shots and render its videos again (nothing else is redone).
    Refused once approved: its posts were made for the video the creator approved."""
    view = ws.store.jobs.get(job_id)
    if view is not None and view.status in PAST_REVIEW:
        raise UserFixableError(f"job {job_id} is {view.status.label.lower()}: its posts are made for the video "
                               "you approved", hint="take the approval back first (Reject, then Restore), "
                                                    "then re-render it")
    return _write(ws, job_id, lambda entry: entry, redo=RERENDER)[0]


def _write(ws: Workspace, job_id: int, edit, redo: frozenset[Stage] = frozenset()):
    try:
        return ws.store.jobs.edit_entry(job_id, STEERING, edit, redo)
    except LookupError as exc:
        raise UserFixableError(str(exc), hint="list jobs with: nexus jobs") from exc
    except IllegalTransition as exc:
        raise UserFixableError(f"cannot change its shots: {exc}",
                               hint="take a scheduled job off the calendar first" if "scheduled" in str(exc)
                               or "published" in str(exc) else "wait until it is done, then try again") from exc


_STILLS: OrderedDict[tuple, Image.Image] = OrderedDict()  # the last stills made, by their files' identity
_STILLS_KEPT = 256
_stills_lock = threading.Lock()


def thumbnail(job_dir: Path, frames: FormatFrames, index: int, width: int = 160) -> Image.Image | None:
    """A small still of shot ``index``: its background as the frame crops it, with every layer.

    The shot list asks again after every stage; a still whose files have not changed since
    (same paths, sizes and times) is the one made before, not decoded and composed again
    at full size on a pool thread while the window waits for a core."""
    if not 0 <= index < len(frames.shots):
        return None
    drawn = frames.shots[index]
    files = [job_dir / drawn.background, *(job_dir / layer.path for layer in drawn.layers)]
    try:
        stats = [(str(f), f.stat()) for f in files]
    except OSError:
        return None  # a missing file: the list shows no picture rather than failing
    key = (width, frames.width, frames.height, tuple((layer.x, layer.y) for layer in drawn.layers),
           *((name, st.st_size, st.st_mtime_ns) for name, st in stats))
    with _stills_lock:
        kept = _STILLS.get(key)
        if kept is not None:
            _STILLS.move_to_end(key)
            return kept.copy()
    still = _compose(job_dir, frames, drawn, width)
    if still is not None:
        with _stills_lock:
            _STILLS[key] = still.copy()
            while len(_STILLS) > _STILLS_KEPT:
                _STILLS.popitem(last=False)
    return still


def _compose(job_dir: Path, frames: FormatFrames, drawn, width: int) -> Image.Image | None:
    """Composed near the still's size, not the frame's: the background JPEG is decoded at a
    fraction of its size (JPEG's draft mode) and each layer scaled down before it is laid on."""
    wanted = max(1e-3, 2 * width / frames.width)  # twice the still's size, for a clean downscale
    try:
        with Image.open(job_dir / drawn.background) as background:  # larger than the frame: its middle
            full_w, full_h = background.size
            background.draft("RGB", (max(1, round(full_w * wanted)), max(1, round(full_h * wanted))))
            scale = background.width / full_w
            left, top = (full_w - frames.width) / 2 * scale, (full_h - frames.height) / 2 * scale
            frame = background.convert("RGB").crop((round(left), round(top), round(left + frames.width * scale),
                                                    round(top + frames.height * scale)))
        for layer in drawn.layers:
            with Image.open(job_dir / layer.path) as picture:
                piece = picture.convert("RGBA")
            if scale < 1:
                piece = piece.resize((max(1, round(piece.width * scale)), max(1, round(piece.height * scale))),
                                     Image.Resampling.BILINEAR)
            frame.paste(piece, (round(layer.x * scale), round(layer.y * scale)), piece)
    except (OSError, ValueError):
        return None  # a broken file: the list shows no picture rather than failing
    frame.thumbnail((width, width * 2), Image.Resampling.LANCZOS)
    return frame
