"""Visualize: the job's shot plan, its pictures per format, and three thumbnails per format.

The plan (``domain.shots.ShotPlan``) cuts the narration into 1.5–3.5 s shots at
its word boundaries (``shot_plan``): the hook as a kinetic title, the article's
photos, stat callouts, quote cards, illustrated keywords, and an end card.
``shot_art`` draws each shot per format. Files, under the job folder::

    photos/photo-NN.jpg                    the article's photos that are used
    visuals/<format>/shot-NN-bg.jpg        a shot's background, larger than the frame
    visuals/<format>/shot-NN-layer-MM.png  its layers (text, icon, number), cut to size
    thumbnails/thumb-<format>[-N].jpg      three variants; the first is the default

The creator's overrides (``results["steering"]``: a shot removed, given another
kind or another of the article's photos) are applied to the planned shots before
anything is drawn (``shot_steer``); one that cannot be applied is a note.

A photo that cannot be used (404, HTML, under 400 px, a pixel bomb…) is a note
on the plan, not a failure. With no photo URL and no key set, nothing here
touches the network. Text no installed font can draw, or a broken logo or font
setting, fails the stage with what to do.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import zlib
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path

from PIL import Image

from ..domain.content import Article, Narration, Script, VideoFormat
from ..domain.errors import UserFixableError
from ..domain.shots import FormatFrames, Photo, ShotPlan, Skipped, overrides_from
from ..providers.images import ArtRequest, ImageRejected, Palette, provider_for
from ..providers.images import icons
from ..providers.images.download import decode_image
from ..providers.images.fonts import FontBook
from ..providers.images.pillow_cards import Brand, Styled
from . import photos as article_photos
from . import shot_plan, shot_steer
from .ai_clips import add_ai_clips
from .article_page import internal_allowed, remembered_images
from .broll import add_broll
from .context import AssetRecord, StageContext, StageOutput
from .formats import active_formats
from .shot_art import Look, draw_shot
from .shot_art import _save as save_image
from .thumbnails import draw_thumbnails

log = logging.getLogger(__name__)

_LOGO_HEIGHT = 256
_WORKERS = max(2, min(4, os.cpu_count() or 2))
FOLLOW_CALL = "Follow for more"


def run(ctx: StageContext) -> StageOutput:
    script = Script.from_dict(ctx.results["analyze"]["script"])
    if not script.scenes:
        raise UserFixableError("the script has no scenes to draw", hint="redo the analyze stage")
    narration = _narration(ctx)
    formats = active_formats(ctx.settings)
    ctx.progress(1, "Preparing fonts and branding")
    fonts = FontBook.from_branding(ctx.settings.branding.font_path, language=script.language or ctx.article.language)
    palette = Palette.from_branding(ctx.settings.branding)
    brand = _brand(ctx, fonts, palette)
    title = _title_text(script, ctx.article)
    fonts.face_for(title, headline=True)  # fails early, naming the missing script, when no font draws it
    ctx.check_cancelled()
    seed = zlib.crc32(title.encode("utf-8")) % 100_000 * 3
    found, source, note = _pictures(ctx, script, title, formats, palette, seed)
    tokens = shot_plan.align(script, narration.words, narration.duration)
    planned = shot_plan.plan_shots(script, tokens, narration.duration, photos=len(found.photos),
                                   icon_for=icons.match, hook=title, channel=brand.channel.text if brand.channel else "")
    found, steered = _steer(ctx, script, shot_steer.keyed(planned, tokens), found, formats)
    look = Look(fonts, palette, brand, found.photos, found.images, seed, FOLLOW_CALL, _credit(ctx.article))
    ctx.check_cancelled()
    frames = _draw(ctx, formats, list(steered.shots), look)
    shots, frames, broll_notes = add_broll(ctx.settings, ctx.job_dir, list(steered.shots), frames, formats,
                                           ctx.paths.data / "cache" / "pexels", keep=steered.kept)
    shots, frames, clip_notes = add_ai_clips(ctx.settings, ctx.job_dir, shots, frames, formats, found.images, title,
                                             ctx.paths.data / "cache" / "runway", keep=steered.kept,
                                             cancelled=ctx.cancel_event.is_set,
                                             progress=lambda message: ctx.progress(88, message))
    ctx.check_cancelled()
    notes = tuple(n for n in (note, *steered.notes, *broll_notes, *clip_notes) if n)
    plan = ShotPlan(tuple(shots), found.photos, found.skipped, notes, tuple(frames), steered.removed,
                    steered.applied)
    ctx.progress(90, "Drawing thumbnails")
    thumbs = _guard(lambda: draw_thumbnails(ctx.job_dir, formats, plan, look, title))
    ctx.progress(100, "Visuals ready")
    # What an upgrade service refused is said on the job, like analyze's "written offline" notice.
    return _output(ctx, plan, thumbs, source, note, notice="; ".join((*broll_notes, *clip_notes)))


def _narration(ctx: StageContext) -> Narration:
    data = (ctx.results.get("narrate") or {}).get("narration")
    if not data:
        raise UserFixableError("the narration is missing: shots follow its words", hint="redo the narrate stage")
    return Narration.from_dict(data)


def _title_text(script: Script, article: Article) -> str:
    for candidate in (script.title, article.title, *(s.headline for s in script.scenes), article.source_title):
        if candidate and candidate.strip():
            return " ".join(candidate.split())
    return "Untitled"


def _credit(article: Article) -> str:
    source = " ".join((article.source_title or "").split())
    return f"Source: {source}" if source else ""


# --- branding -------------------------------------------------------------


def _brand(ctx: StageContext, fonts: FontBook, palette: Palette) -> Brand:
    settings = ctx.settings.branding
    channel = " ".join(settings.channel_name.split())
    styled = None
    if channel:
        face, text = fonts.face_for(channel)
        styled = Styled(text, face)
    return Brand(palette, _load_logo(settings.logo_path, ctx.settings.images.max_image_pixels), styled)


def _load_logo(logo_path: str, max_pixels: int) -> Image.Image | None:
    if not logo_path.strip():
        return None
    path = Path(logo_path.strip()).expanduser()
    try:
        logo = decode_image(path.read_bytes(), max_pixels=max_pixels, keep_alpha=True)
    except (OSError, ImageRejected) as exc:
        raise UserFixableError(
            f"branding.logo_path: cannot use the logo {logo_path!r} ({exc})",
            hint="choose a PNG or JPEG file in Settings › Branding, or clear branding.logo_path",
        ) from exc
    logo.thumbnail((_LOGO_HEIGHT * 4, _LOGO_HEIGHT), Image.Resampling.LANCZOS)
    return logo


# --- pictures -------------------------------------------------------------


def _pictures(ctx: StageContext, script: Script, title: str, formats: list[VideoFormat], palette: Palette,
              seed: int) -> tuple[article_photos.Found, str, str]:
    """The article's photos; without any, the image provider's when one is chosen."""
    settings = ctx.settings
    found = article_photos.Found((), (), ())
    note = ""
    if not settings.images.use_article_image:
        note = "article images are turned off (images.use_article_image)"
    elif not (urls := article_photos.image_urls(ctx.article, remembered_images(ctx.job_dir, ctx.article.link))):
        note = "the article has no image"
    else:
        target = (max(f.width for f in formats), max(f.height for f in formats))
        fetch = article_photos.kept_locally(
            article_photos.fetcher(settings, target, allow_internal=internal_allowed(ctx.article.feed_url)),
            ctx.job_dir / "photos" / "fetched")
        found = article_photos.collect(ctx.article, ctx.job_dir / "photos", job_dir=ctx.job_dir, urls=urls,
                                       fetch=fetch, on_progress=lambda message: ctx.progress(3, message))
        if not found.photos:
            note = "article image not used: " + "; ".join(s.reason for s in found.skipped[:3])
    if found.photos:
        return found, "article", ""
    if settings.images.provider == "pillow":
        return found, "generated", note
    made, why = _provider_images(ctx, script, title, palette, seed)
    notes = "; ".join(n for n in (note, why) if n)
    if not made:
        return article_photos.Found((), found.skipped, ()), "generated", notes
    folder = ctx.job_dir / "photos"
    folder.mkdir(parents=True, exist_ok=True)
    photos = []
    for n, image in enumerate(made, 1):
        path = folder / f"generated-{n:02d}.jpg"
        _guard(lambda: save_image(image, path, "JPEG", quality=92))  # a full disk leaves no half image
        photos.append(Photo(path.relative_to(ctx.job_dir).as_posix(), settings.images.provider, image.width,
                            image.height, article_photos.focus(image)))
    return article_photos.Found(tuple(photos), found.skipped, tuple(made)), settings.images.provider, notes


def _provider_images(ctx: StageContext, script: Script, title: str, palette: Palette,
                     seed: int) -> tuple[list[Image.Image], str]:
    """One image per script scene (a few at most), shared by every format."""
    provider = provider_for(ctx.settings)
    images, reasons = [], []
    scenes = script.scenes[:4]
    for index, scene in enumerate(scenes):
        ctx.check_cancelled()
        ctx.progress(4 + 16 * index / len(scenes), f"Asking {provider.name} for picture {index + 1}")
        prompt = f"{title}. {scene.headline}. {' '.join(scene.keywords)}"
        try:
            images.append(provider.background(ArtRequest(prompt, 1024, 1024, seed + index, palette)))
        except ImageRejected as exc:
            log.warning("job %s: %s picture %d not used: %s", ctx.job_id, provider.name, index + 1, exc)
            reasons.append(f"picture {index + 1}: {exc}")
    return images, "; ".join(reasons[:3])


# --- the creator's overrides ----------------------------------------------


def _steer(ctx: StageContext, script: Script, planned, found: article_photos.Found,
           formats: list[VideoFormat]) -> tuple[article_photos.Found, shot_steer.Steered]:
    """The planned shots with the creator's overrides. A photo the creator picked that is
    not among the kept ones (one of the article's others) is fetched now; one that fails
    leaves its reason, and its shot stays as planned."""
    overrides = overrides_from(ctx.results)
    known = shot_steer.Material("", photos=found.photos)
    wanted = {o.photo for o in overrides if o.photo and not o.remove and known.photo_index(o.photo) is None}
    unavailable: dict[str, str] = {}
    if wanted:
        found, unavailable = _picked_photos(ctx, sorted(wanted), found, formats)
    material = shot_steer.Material(script.narration, tuple(k for scene in script.scenes for k in scene.keywords),
                                   found.photos, icons.match, unavailable)
    return found, shot_steer.apply(planned, overrides, material)


def _picked_photos(ctx: StageContext, urls: list[str], found: article_photos.Found,
                   formats: list[VideoFormat]) -> tuple[article_photos.Found, dict[str, str]]:
    article_urls = (set(article_photos.image_urls(ctx.article, remembered_images(ctx.job_dir, ctx.article.link)))
                    if ctx.settings.images.use_article_image else set())
    fetch = article_photos.kept_locally(
        article_photos.fetcher(ctx.settings, (max(f.width for f in formats), max(f.height for f in formats)),
                               allow_internal=internal_allowed(ctx.article.feed_url)),
        ctx.job_dir / "photos" / "fetched")
    photos, images, unavailable = list(found.photos), list(found.images), {}
    folder = ctx.job_dir / "photos"
    for url in urls:
        ctx.check_cancelled()
        if url not in article_urls:
            unavailable[url] = ("article images are turned off (images.use_article_image)"
                                if not ctx.settings.images.use_article_image else "it is not one of the article's images")
            continue
        ctx.progress(4, "Downloading the photo you picked")
        try:
            image = fetch(url)
            if min(image.size) < article_photos.MIN_SIDE:
                raise ImageRejected(f"too small: {image.width}×{image.height} px")
        except ImageRejected as exc:
            log.info("job %s: the photo picked for a shot is not used: %s: %s", ctx.job_id, url, exc)
            unavailable[url] = str(exc)
            continue
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"picked-{len(photos) + 1:02d}.jpg"
        _guard(lambda: save_image(image.convert("RGB"), path, "JPEG", quality=92))
        photos.append(Photo(path.relative_to(ctx.job_dir).as_posix(), url, image.width, image.height,
                            article_photos.focus(image)))
        images.append(image)
    return article_photos.Found(tuple(photos), found.skipped, tuple(images)), unavailable


# --- drawing --------------------------------------------------------------


def _draw(ctx: StageContext, formats: list[VideoFormat], shots, look: Look) -> list[FormatFrames]:
    """All formats × shots on a small thread pool (Pillow releases the GIL while it
    resizes and encodes); cancellation is checked as each shot finishes."""
    folders = {}
    for fmt in formats:
        folder = ctx.job_dir / "visuals" / fmt.name
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*"):
            if stale.is_file() and re.fullmatch(r"(shot|scene)-\d+-.*\.(jpg|png)", stale.name):
                stale.unlink(missing_ok=True)
        folders[fmt.name] = folder
    results: dict[tuple[str, int], object] = {}
    total = len(formats) * len(shots)
    with ThreadPoolExecutor(_WORKERS, thread_name_prefix="visualize") as pool:
        pending: dict[Future, tuple[str, int]] = {
            pool.submit(_guard, lambda f=fmt, i=i, s=shot: draw_shot(ctx.job_dir, f, i, s, look, folders[f.name])):
                (fmt.name, i) for fmt in formats for i, shot in enumerate(shots)}
        try:
            while pending:
                finished, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for future in finished:
                    results[pending.pop(future)] = future.result()
                    ctx.progress(20 + 70 * len(results) / total, f"Drew {len(results)} of {total} shots")
                ctx.check_cancelled()
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return [FormatFrames(fmt.name, fmt.width, fmt.height, tuple(results[(fmt.name, i)] for i in range(len(shots))))
            for fmt in formats]


def _guard(work):
    try:
        return work()
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise UserFixableError("the disk is full: could not write the job's pictures",
                                   hint="free some space on the disk holding the data folder, then retry the "
                                        "visualize stage") from exc
        raise UserFixableError(f"could not write a picture: {exc.strerror or exc}",
                               hint="check that the data folder is writable, then retry the visualize stage") from exc


# --- results --------------------------------------------------------------


def _output(ctx: StageContext, plan: ShotPlan, thumbs: dict[str, list[Path]], source: str, note: str,
            notice: str = "") -> StageOutput:
    def rel(path: Path) -> str:
        return path.relative_to(ctx.job_dir).as_posix()

    assets: list[AssetRecord] = []
    for frames in plan.formats:
        for shot in frames.shots:
            assets.append(ctx.asset("scene_image", ctx.job_dir / shot.background, format=frames.name))
            assets += [ctx.asset("scene_image", ctx.job_dir / layer.path, format=frames.name) for layer in shot.layers]
            if shot.clip:
                assets.append(ctx.asset("scene_video", ctx.job_dir / shot.clip, format=frames.name))
    for name, paths in thumbs.items():
        assets += [ctx.asset("thumbnail", path, format=name) for path in paths]
    results = {
        "plan": plan.to_dict(),
        "thumbnails": {name: rel(paths[0]) for name, paths in thumbs.items()},
        "thumbnail_variants": {name: [rel(p) for p in paths] for name, paths in thumbs.items()},
        "background": {"source": source, "note": note},
        "skipped_images": [{"source": s.source, "reason": s.reason} for s in plan.skipped],
        **({"notice": notice} if notice else {}),
    }
    return StageOutput(results, tuple(assets))


__all__ = ["run", "Skipped"]
