"""Visualize: per format and scene, a background and a transparent foreground
card; per format, a thumbnail.

Files, under the job folder::

    visuals/<format>/scene-NN-bg.jpg   opaque, exactly the format's size
    visuals/<format>/scene-NN-fg.png   RGBA, headline card and branding
    thumbnails/thumb-<format>.jpg

Backgrounds are the article's own photo when there is a usable one, else the
image provider's (generated art by default). A photo that cannot be used —
missing, HTML, too big, a decompression bomb — is a logged note, not a failure.
Text that no installed font can draw, or a broken logo or font setting, fails
the stage with what to do.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import uuid
import zlib
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from ..domain.content import Article, Scene, Script, VideoFormat
from ..domain.errors import UserFixableError
from ..providers.images import ArtRequest, ImageRejected, Palette, provider_for
from ..providers.images.art import PhotoFramer, generated_art
from ..providers.images.download import decode_image, fetch_image
from ..providers.images.fonts import FontBook
from ..providers.images.pillow_cards import (
    Brand,
    CardSpec,
    Styled,
    draw_foreground,
    draw_thumbnail,
    thumbnail_size,
)
from .context import AssetRecord, StageContext, StageOutput
from .formats import active_formats

log = logging.getLogger(__name__)

_QUOTES = {'"': '"', "“": "”", "„": "“", "«": "»", "「": "」", "『": "』", "‘": "’", "'": "'"}
_MAX_CHIPS = 3
_LOGO_HEIGHT = 256
_WORKERS = max(2, min(4, os.cpu_count() or 2))


@dataclass(frozen=True)
class _Backdrops:
    """What each scene's background is made from."""

    source: str  # "article", "generated" or the provider's name
    note: str
    photo: PhotoFramer | None  # the article's photo, shared by all scenes
    per_scene: tuple[PhotoFramer | None, ...]  # provider images, by scene
    palette: Palette
    seed: int

    def draw(self, index: int, width: int, height: int) -> Image.Image:
        if self.photo is not None:
            return self.photo.frame(width, height, index)
        if self.per_scene[index] is not None:
            return self.per_scene[index].frame(width, height, 0)
        return generated_art(width, height, self.palette, self.seed + index)


def run(ctx: StageContext) -> StageOutput:
    script = Script.from_dict(ctx.results["analyze"]["script"])
    if not script.scenes:
        raise UserFixableError("the script has no scenes to draw", hint="redo the analyze stage")
    formats = active_formats(ctx.settings)
    ctx.progress(1, "Preparing fonts and branding")
    fonts = FontBook.from_branding(ctx.settings.branding.font_path, language=script.language or ctx.article.language)
    palette = Palette.from_branding(ctx.settings.branding)
    brand = _brand(ctx, fonts, palette)
    title = _title_text(script, ctx.article)
    cards = _card_specs(script, ctx.article, title, fonts)
    ctx.check_cancelled()
    backdrops = _backdrops(ctx, script, title, formats, palette)
    visuals = _draw_scenes(ctx, formats, cards, brand, backdrops)
    thumbs = _draw_thumbnails(ctx, formats, fonts.face_for(title, headline=True), script, brand, backdrops)
    ctx.progress(100, "Visuals ready")
    return _output(ctx, formats, visuals, thumbs, backdrops)


# --- text -----------------------------------------------------------------


def _title_text(script: Script, article: Article) -> str:
    for candidate in (script.title, article.title, *(s.headline for s in script.scenes), article.source_title):
        if candidate and candidate.strip():
            return " ".join(candidate.split())
    return "Untitled"


def _headline_text(scene: Scene) -> str:
    text = " ".join(scene.headline.split())
    if text:
        return text
    if scene.keywords:
        return " · ".join(scene.keywords[:3])
    return " ".join(scene.narration.split()[:10]) or "…"


def _unquote(text: str) -> tuple[str, bool]:
    closer = _QUOTES.get(text[:1])
    if closer and len(text) > 2 and text.endswith(closer):
        return text[1:-1].strip(), True
    return text, False


def _styled(fonts: FontBook, text: str, *, headline: bool = False) -> Styled:
    face, drawable = fonts.face_for(text, headline=headline)
    return Styled(drawable, face)


def _card_specs(script: Script, article: Article, title: str, fonts: FontBook) -> list[CardSpec]:
    """What each card shows, with fonts chosen here so missing coverage fails early."""
    source = " ".join(article.source_title.split())
    cards = [CardSpec(_styled(fonts, title, headline=True),
                      kicker=_styled(fonts, source.upper()) if source else None, title_card=True)]
    for scene in script.scenes[1:]:
        headline, quote = _unquote(_headline_text(scene))
        lowered = headline.lower()
        chips = [] if quote else [
            _styled(fonts, k.strip()) for k in scene.keywords
            if k.strip() and k.strip().lower() not in lowered and len(k.strip()) <= 28
        ][:_MAX_CHIPS]
        cards.append(CardSpec(_styled(fonts, headline, headline=True), chips=tuple(chips), quote=quote))
    return cards


# --- branding -------------------------------------------------------------


def _brand(ctx: StageContext, fonts: FontBook, palette: Palette) -> Brand:
    settings = ctx.settings.branding
    channel = " ".join(settings.channel_name.split())
    return Brand(palette, _load_logo(settings.logo_path, ctx.settings.images.max_image_pixels),
                 _styled(fonts, channel) if channel else None)


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


# --- backgrounds ----------------------------------------------------------


def _backdrops(ctx: StageContext, script: Script, title: str, formats: list[VideoFormat],
               palette: Palette) -> _Backdrops:
    seed = zlib.crc32(title.encode("utf-8")) % 100_000 * 3
    none = (None,) * len(script.scenes)
    photo, note = _article_photo(ctx, formats)
    if photo is not None:
        return _Backdrops("article", note, PhotoFramer(photo, palette), none, palette, seed)
    provider = ctx.settings.images.provider
    if provider == "pillow":
        return _Backdrops("generated", note, None, none, palette, seed)
    images, why = _provider_images(ctx, script, title, palette, seed)
    notes = "; ".join(n for n in (note, why) if n)
    framers = tuple(PhotoFramer(image, palette) if image is not None else None for image in images)
    return _Backdrops(provider if any(images) else "generated", notes, None, framers, palette, seed)


def _article_photo(ctx: StageContext, formats: list[VideoFormat]) -> tuple[Image.Image | None, str]:
    settings = ctx.settings
    url = (ctx.article.image_url or "").strip()
    if not settings.images.use_article_image:
        return None, "article images are turned off (images.use_article_image)"
    if not url:
        return None, "the article has no image"
    ctx.progress(3, "Downloading the article's image")
    target = (max(f.width for f in formats), max(f.height for f in formats))
    try:
        photo = fetch_image(url, max_bytes=settings.images.max_image_bytes,
                            max_pixels=settings.images.max_image_pixels,
                            timeout=settings.harvest.timeout_seconds, user_agent=settings.harvest.user_agent,
                            target=target)
    except ImageRejected as exc:
        log.warning("job %s: not using the article's image %s: %s; drawing art instead", ctx.job_id, url, exc)
        return None, f"article image not used: {exc}"
    return photo, ""


def _provider_images(ctx: StageContext, script: Script, title: str, palette: Palette,
                     seed: int) -> tuple[tuple[Image.Image | None, ...], str]:
    """One image per scene, shared by every format; a scene whose request fails
    gets generated art."""
    provider = provider_for(ctx.settings)
    images: list[Image.Image | None] = []
    reasons = []
    for index, scene in enumerate(script.scenes):
        ctx.check_cancelled()
        ctx.progress(4 + 16 * index / len(script.scenes), f"Asking {provider.name} for scene {index + 1}")
        prompt = f"{title}. {_headline_text(scene)}. {' '.join(scene.keywords)}"
        try:
            images.append(provider.background(ArtRequest(prompt, 1024, 1024, seed + index, palette)))
        except ImageRejected as exc:
            log.warning("job %s: %s image for scene %d not used: %s", ctx.job_id, provider.name, index + 1, exc)
            images.append(None)
            reasons.append(f"scene {index + 1}: {exc}")
    return tuple(images), "; ".join(reasons[:3])


# --- drawing --------------------------------------------------------------


def _draw_scenes(ctx: StageContext, formats: list[VideoFormat], cards: list[CardSpec], brand: Brand,
                 backdrops: _Backdrops) -> dict[str, list[tuple[Path, Path]]]:
    """All formats × scenes on a small thread pool (Pillow releases the GIL while
    it resizes and encodes); cancellation is checked as each image finishes."""
    out: dict[str, list[tuple[Path, Path]]] = {}
    work = []
    for fmt in formats:
        folder = ctx.job_dir / "visuals" / fmt.name
        folder.mkdir(parents=True, exist_ok=True)
        paths = [(folder / f"scene-{n:02d}-bg.jpg", folder / f"scene-{n:02d}-fg.png") for n in range(1, len(cards) + 1)]
        _remove_stale(folder, {p.name for pair in paths for p in pair})
        out[fmt.name] = paths
        work += [(fmt, i, paths[i]) for i in range(len(cards))]
    total = len(work)
    with ThreadPoolExecutor(_WORKERS, thread_name_prefix="visualize") as pool:
        pending: set[Future] = {
            pool.submit(_scene_files, ctx, fmt, i, cards[i], brand, backdrops, bg, fg) for fmt, i, (bg, fg) in work
        }
        done = 0
        try:
            while pending:
                finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for future in finished:
                    fmt_name, index = future.result()
                    done += 1
                    ctx.progress(20 + 70 * done / total, f"Drew {fmt_name} scene {index + 1} of {len(cards)}")
                ctx.check_cancelled()
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return out


def _scene_files(ctx: StageContext, fmt: VideoFormat, index: int, card: CardSpec, brand: Brand,
                 backdrops: _Backdrops, bg_path: Path, fg_path: Path) -> tuple[str, int]:
    if ctx.cancelled:
        return fmt.name, index
    background = backdrops.draw(index, fmt.width, fmt.height)
    _save(background, bg_path, "JPEG", quality=90)
    foreground, _ = draw_foreground(fmt, card, brand)
    # zlib's run-length strategy (3): mostly-transparent layers encode 2-3× faster.
    _save(foreground, fg_path, "PNG", compress_level=6, compress_type=3)
    return fmt.name, index


def _draw_thumbnails(ctx: StageContext, formats: list[VideoFormat], title_face, script: Script, brand: Brand,
                     backdrops: _Backdrops) -> dict[str, Path]:
    face, text = title_face
    highlight = frozenset(w.lower() for s in script.scenes for k in s.keywords for w in k.split())
    highlight |= {h.lstrip("#").lower() for h in script.hashtags}
    folder = ctx.job_dir / "thumbnails"
    folder.mkdir(parents=True, exist_ok=True)
    thumbs = {}
    for n, fmt in enumerate(formats):
        ctx.check_cancelled()
        width, height = thumbnail_size(fmt)
        image, _ = draw_thumbnail(backdrops.draw(0, width, height), Styled(text, face), brand, highlight)
        path = folder / f"thumb-{fmt.name}.jpg"
        _save(image, path, "JPEG", quality=92)
        thumbs[fmt.name] = path
        ctx.progress(90 + 10 * (n + 1) / len(formats), f"Drew the {fmt.name} thumbnail")
    return thumbs


def _save(image: Image.Image, path: Path, kind: str, **params) -> None:
    """Write beside the target and rename, so a crash never leaves half an image."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        image.save(tmp, kind, **params)
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _write_error(path, exc) from exc
        raise


def _write_error(path: Path, exc: OSError) -> UserFixableError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return UserFixableError(
            f"the disk is full: could not write {path.name}",
            hint=f"free some space on the disk holding {path.parent}, then retry the visualize stage",
        )
    return UserFixableError(f"could not write {path}: {exc.strerror or exc}",
                            hint="check that the data folder is writable, then retry the visualize stage")


def _remove_stale(folder: Path, keep: set[str]) -> None:
    """Scenes left from an earlier run with more scenes."""
    for path in folder.glob("scene-*"):
        if path.name not in keep and re.fullmatch(r"scene-\d+-(bg\.jpg|fg\.png)", path.name):
            path.unlink(missing_ok=True)


# --- results --------------------------------------------------------------


def _output(ctx: StageContext, formats: list[VideoFormat], visuals: dict[str, list[tuple[Path, Path]]],
            thumbs: dict[str, Path], backdrops: _Backdrops) -> StageOutput:
    def rel(path: Path) -> str:
        return path.relative_to(ctx.job_dir).as_posix()

    results: dict = {"formats": {}, "thumbnails": {}, "background": {"source": backdrops.source,
                                                                      "note": backdrops.note}}
    assets: list[AssetRecord] = []
    for fmt in formats:
        pairs = visuals[fmt.name]
        results["formats"][fmt.name] = {
            "width": fmt.width,
            "height": fmt.height,
            "backgrounds": [rel(bg) for bg, _ in pairs],
            "foregrounds": [rel(fg) for _, fg in pairs],
        }
        for bg, fg in pairs:
            assets += [ctx.asset("scene_image", bg, format=fmt.name), ctx.asset("scene_image", fg, format=fmt.name)]
        results["thumbnails"][fmt.name] = rel(thumbs[fmt.name])
        assets.append(ctx.asset("thumbnail", thumbs[fmt.name], format=fmt.name))
    return StageOutput(results, tuple(assets))
