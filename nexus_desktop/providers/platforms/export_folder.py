"""The embedded default publisher: a ready-to-upload folder per post.

Each post becomes ``<export folder>/<date time> <title> (post N-<uid>)/`` holding the
video in the platform's format, the thumbnail, the captions, and ``post.json`` +
``post.txt`` with the title, description, hashtags and text. The folder is
written under a hidden temporary name and renamed when complete, so a finished
folder is the proof that the post was published and a crash never leaves half
a package that looks whole.

A folder belongs to one post by the post's uid, which a database reset never
reuses (ids are): a new post 7 is never taken for the old post 7 already
exported. Names are bounded in bytes, not characters, so a long title in
Chinese or Japanese still fits the 255-byte limit of file systems.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import shutil
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .base import PostPackage, ProgressCallback, PublishError, PublishResult, SaveState
from .registry import PublisherSetup

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
PARTIAL = ".partial-"
SETTING = "publish.export_folder"
FULL_DISK = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
NAME_BYTES = 200  # whole folder name, under the 255 bytes of ext4, NTFS, APFS with room for a suffix


def _zone(name: str) -> tzinfo:
    if name.strip():
        try:
            return ZoneInfo(name.strip())
        except (ZoneInfoNotFoundError, ValueError):
            pass
    import tzlocal

    try:
        return tzlocal.get_localzone()
    except (ZoneInfoNotFoundError, ValueError, LookupError):
        return timezone.utc


def create(setup: PublisherSetup) -> "ExportFolderPublisher":
    folder = Path(setup.settings.publish.export_folder).expanduser() if setup.settings.publish.export_folder else setup.paths.exports
    return ExportFolderPublisher(folder, _zone(setup.settings.schedule.timezone))


def safe_title(title: str, limit: int = 80, max_bytes: int = 150) -> str:
    """A title that every file system accepts as part of a folder name: at most ``limit``
    characters and ``max_bytes`` bytes of UTF-8, cut at a character boundary."""
    cleaned = re.sub(r"[^\w\s.,'()&+-]", " ", title, flags=re.UNICODE)
    cleaned = re.sub(r"\s+", " ", cleaned).strip()[:limit]
    cleaned = cleaned.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore").rstrip(" .")
    return cleaned or "untitled"


def _post_key(package: PostPackage) -> str:
    return f"{package.post_id}-{package.post_uid[:12]}" if package.post_uid else str(package.post_id)


def _hashtag(tag: str) -> str:
    tag = tag.strip()
    return tag if tag.startswith("#") else f"#{tag}"


def _write_bytes(path: Path, chunks) -> None:
    """Write through os.write and fsync: a full disk surfaces here, not at rename time."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for chunk in chunks:
            view = memoryview(chunk)
            while view:
                written = os.write(fd, view)
                view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_chunks(path: Path):
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            yield block


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ExportFolderPublisher:
    platform = "export"

    def __init__(self, folder: Path, zone: tzinfo = timezone.utc) -> None:
        self.folder = Path(folder)
        self.zone = zone

    # -- naming --------------------------------------------------------------

    def folder_name(self, package: PostPackage) -> str:
        when = (package.scheduled_at or datetime.now(timezone.utc)).astimezone(self.zone)
        suffix = f" (post {_post_key(package)})"
        head = f"{when:%Y-%m-%d %H%M} "
        room = NAME_BYTES - len(head.encode("utf-8")) - len(suffix.encode("utf-8"))
        return f"{head}{safe_title(package.title, max_bytes=room)}{suffix}"

    def _files(self, package: PostPackage) -> list[tuple[Path, str]]:
        files = [(package.video_path, f"video-{package.video_format}{package.video_path.suffix or '.mp4'}")]
        if package.thumbnail_path and package.thumbnail_path.exists():
            files.append((package.thumbnail_path, f"thumbnail{package.thumbnail_path.suffix or '.png'}"))
        if package.captions_path and package.captions_path.exists():
            files.append((package.captions_path, "captions.srt"))
            vtt = package.captions_path.with_suffix(".vtt")
            if vtt.exists():
                files.append((vtt, "captions.vtt"))
        return files

    # -- Publisher -----------------------------------------------------------

    def preflight(self, package: PostPackage) -> list[str]:
        problems = []
        if not package.video_path.is_file():
            problems.append(f"the video {package.video_path} is missing: render the job again")
            return problems
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return [f"cannot create the export folder {self.folder}: {exc.strerror or exc} — choose another folder in Settings ({SETTING})"]
        needed = sum(src.stat().st_size for src, _ in self._files(package)) + 64 * 1024
        free = shutil.disk_usage(self.folder).free
        if free < needed:
            problems.append(self._full_disk_message(needed, free))
        return problems

    def publish(self, package: PostPackage, progress: ProgressCallback, save_state: SaveState) -> PublishResult:
        existing = self.find_existing(package)
        if existing is not None:
            return existing
        final = self.folder / self.folder_name(package)
        temp = self.folder / f"{PARTIAL}{_post_key(package)}-{package.attempt_id}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._remove_partials(package.post_id)  # this post's, and any left by an earlier post with its id
            temp.mkdir()
            files = self._files(package)
            for index, (source, name) in enumerate(files):
                progress(int(90 * index / len(files)), f"Copying {name}")
                _write_bytes(temp / name, _read_chunks(source))
            self._write_texts(package, temp, [name for _, name in files])
            progress(95, "Finishing the package")
            os.rename(temp, final)
            _fsync_dir(self.folder)
        except OSError as exc:
            shutil.rmtree(temp, ignore_errors=True)
            raise self._explain(exc) from exc
        progress(100, f"Exported to {final}")
        return PublishResult(remote_id=final.name, url=final.as_uri())

    def find_existing(self, package: PostPackage) -> PublishResult | None:
        """A finished folder of this post, whatever its time was then; None if there is none.

        Matched by the post's uid: after a database reset a new post has an old id but a new uid."""
        if not self.folder.is_dir():
            return None
        suffix = f"(post {_post_key(package)})"
        for entry in self.folder.iterdir():
            if entry.name.startswith(".") or not entry.name.endswith(suffix) or not entry.is_dir():
                continue
            try:
                data = json.loads((entry / "post.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if data.get("post_id") == package.post_id and data.get("post_uid", "") == package.post_uid:
                return PublishResult(remote_id=entry.name, url=entry.as_uri())
        return None

    def refresh_credentials(self) -> None:
        """Nothing to refresh: a folder needs no account."""

    # -- helpers -------------------------------------------------------------

    def _remove_partials(self, post_id: int) -> None:
        for entry in self.folder.glob(f"{PARTIAL}{post_id}-*"):
            shutil.rmtree(entry, ignore_errors=True)

    def _write_texts(self, package: PostPackage, folder: Path, files: list[str]) -> None:
        when = package.scheduled_at.astimezone(self.zone) if package.scheduled_at else None
        hashtags = [_hashtag(t) for t in package.hashtags if t.strip()]
        data = {
            "post_id": package.post_id, "post_uid": package.post_uid, "job_id": package.job_id, "attempt_id": package.attempt_id,
            "platform": package.options.get("for", package.platform), "format": package.video_format,
            "title": package.title, "description": package.description, "text": package.text, "hashtags": hashtags,
            "link": package.link, "duration": package.video_duration, "files": files,
            "scheduled_at": package.scheduled_at.isoformat() if package.scheduled_at else None,
            "exported_at": datetime.now(timezone.utc).isoformat(),
        }
        lines = [
            f"Title: {package.title}", "", "Description:", package.description, "", "Post text:", package.text, "",
            f"Hashtags: {' '.join(hashtags)}", f"Link: {package.link}",
            f"Video: {files[0]} ({package.video_format}, {package.video_duration:.0f} s)",
        ]
        if when is not None:
            lines.append(f"Scheduled for: {when:%Y-%m-%d %H:%M} {getattr(self.zone, 'key', when.tzname())}")
        _write_bytes(folder / "post.json", [json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")])
        _write_bytes(folder / "post.txt", ["\n".join(lines).encode("utf-8") + b"\n"])

    def _full_disk_message(self, needed: int, free: int) -> str:
        return (f"the disk of the export folder {self.folder} is full ({free // 1_000_000} MB free, "
                f"{needed // 1_000_000 + 1} MB needed): free some space or choose another folder in Settings ({SETTING})")

    def _explain(self, exc: OSError) -> PublishError:
        if exc.errno in FULL_DISK:
            return PublishError(f"the disk of the export folder {self.folder} is full",
                                hint=f"free some space or choose another folder in Settings ({SETTING})")
        if exc.errno == errno.ENAMETOOLONG:
            return PublishError(f"the file system of the export folder {self.folder} refused the package's name as too long",
                                hint=f"choose an export folder with a shorter path in Settings ({SETTING})")
        return PublishError(f"cannot write to the export folder {self.folder}: {exc.strerror or exc}",
                            hint=f"check its permissions or choose another folder in Settings ({SETTING})")
