"""Sync: put jobs' files in the bucket, fetch them back, share a link to one.

What is already in the bucket is known from the store: an asset is "synced"
when its current checksum went up under its current key (a stage that remakes
a file resets it to "local"). So a pass over a thousand unchanged assets is one
query and no file is read. Each asset's status is written as it moves:
local → uploading → synced, or failed with the reason a person reads.

Uploads never touch the local files. A restore writes a file only once it is
complete and its SHA-256 is the one the store recorded.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from ..domain.errors import NexusError, UserFixableError
from ..domain.stages import Stage
from ..providers.storage.base import BUCKET_WIDE, NotInBucket, Storage, StorageError, StorageUnavailable
from ..providers.storage.s3 import S3Storage
from ..providers.storage.s3_client import S3Config
from ..store.views import AssetView, JobView
from .context import file_sha256
from .flow import Workspace

log = logging.getLogger(__name__)

LOCAL, UPLOADING, SYNCED, FAILED = "local", "uploading", "synced", "failed"
FETCH_WAIT_SECONDS = 120.0  # how long a stage waits for another machine to finish uploading its inputs
SMALL_FILE = 8 * 1024 * 1024  # smaller files move several at a time; larger ones one by one, in parallel parts
PARALLEL_FILES = 8


@dataclass(frozen=True)
class SyncProgress:
    """Where a sync is; safe to hand to another thread (the GUI's Jobs view)."""

    job_id: int
    path: str  # the file moving now, relative to the data folder
    done_bytes: int
    total_bytes: int
    files_done: int
    files_total: int

    @property
    def percent(self) -> int:
        return 100 if not self.total_bytes else min(100, int(100 * self.done_bytes / self.total_bytes))


ProgressCallback = Callable[[SyncProgress], None]


@dataclass(frozen=True)
class SyncReport:
    moved: tuple[str, ...] = ()  # uploaded or restored
    skipped: tuple[str, ...] = ()  # already there with the same checksum
    failed: tuple[tuple[str, str], ...] = ()  # (path, reason)
    elsewhere: tuple[str, ...] = ()  # not on this machine (another one made them and has not uploaded them)
    bytes: int = 0
    seconds: float = 0.0

    @property
    def throughput(self) -> float:
        """Bytes per second of what was moved."""
        return self.bytes / self.seconds if self.seconds > 0 else 0.0


@dataclass
class _Tally:
    job_id: int
    total_bytes: int
    files_total: int
    callback: ProgressCallback | None
    done_bytes: int = 0
    files_done: int = 0
    moved: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    elsewhere: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: float = field(default_factory=time.monotonic)

    def bytes_moved(self, job_id: int, path: str) -> Callable[[int], None]:
        def add(count: int) -> None:  # called from the part-upload threads
            with self.lock:
                self.done_bytes += count
                self.job_id = job_id
                snapshot = SyncProgress(job_id, path, self.done_bytes, self.total_bytes, self.files_done, self.files_total)
            if self.callback:
                self.callback(snapshot)

        return add

    def file_done(self, path: str, outcome: list) -> None:
        with self.lock:
            self.files_done += 1
            outcome.append(path)

    def report(self) -> SyncReport:
        return SyncReport(tuple(self.moved), tuple(self.skipped), tuple(self.failed), tuple(self.elsewhere), self.done_bytes,
                          time.monotonic() - self.started)


def open_storage(ws: Workspace, **options) -> S3Storage:
    """The bucket of Settings → Sync with the keys from the keyring."""
    sync = ws.settings.sync
    if not sync.enabled:
        raise UserFixableError("sync is off", hint="turn it on and set the bucket in Settings → Sync (sync.enabled, sync.bucket)")
    return S3Storage(S3Config.from_settings(sync), state_dir=ws.paths.data / ".sync" / "uploads", **options)


def _local_path(ws: Workspace, asset: AssetView) -> Path:
    path = (ws.paths.data / asset.path).resolve()
    if not path.is_relative_to(ws.paths.data.resolve()):
        raise UserFixableError(f"asset {asset.id} points outside the data folder ({asset.path}); it was not synced")
    return path


# -- upload ----------------------------------------------------------------------------------


def upload_assets(ws: Workspace, assets: Sequence[AssetView], storage: Storage, *, progress: ProgressCallback | None = None,
                  cancel: threading.Event | None = None, verify: bool = False) -> SyncReport:
    """Upload what is not in the bucket yet. ``verify`` asks the bucket about
    assets the store already calls synced (one HEAD each) instead of trusting it.

    A problem with one file (changed on disk) marks that asset failed and the
    others go on; a problem with the bucket or the connection marks the asset
    failed and stops the sync by raising it.
    """
    todo, done = [], []
    for asset in assets:
        there = asset.sync_status == SYNCED and asset.remote_key == storage.key_for(asset.path)
        (done if there and not verify else todo).append(asset)
    tally = _Tally(assets[0].job_id if assets else 0, sum(a.size or 0 for a in todo), len(todo), progress)
    tally.skipped.extend(a.path for a in done)
    if todo:
        storage.check()
    _each(todo, lambda asset: _upload_one(ws, asset, storage, tally), cancel)
    return tally.report()


def _each(assets: Sequence[AssetView], work: Callable[[AssetView], None], cancel: threading.Event | None) -> None:
    """Small files on a few threads (each is mostly a round trip), then large ones
    one at a time (each already moves in parallel parts). The first error raised
    stops the rest."""
    def go(asset: AssetView) -> None:
        if cancel is None or not cancel.is_set():
            work(asset)

    small = [a for a in assets if (a.size or 0) < SMALL_FILE]
    with ThreadPoolExecutor(PARALLEL_FILES, thread_name_prefix="sync-file") as pool:
        futures = [pool.submit(go, asset) for asset in small]
        try:
            for future in as_completed(futures):
                future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    for asset in assets:
        if (asset.size or 0) >= SMALL_FILE:
            go(asset)


def _upload_one(ws: Workspace, asset: AssetView, storage: Storage, tally: _Tally) -> None:
    key = storage.key_for(asset.path)
    path = _local_path(ws, asset)
    remote = storage.head(key)
    local_checksum = asset.checksum or (file_sha256(path) if path.is_file() else None)
    if remote is not None and local_checksum and remote.sha256 == local_checksum:
        ws.store.assets.set_sync(asset.id, SYNCED, remote_key=key, remote_checksum=local_checksum)
        tally.bytes_moved(asset.job_id, asset.path)(0)
        tally.file_done(asset.path, tally.skipped)
        return
    if not path.is_file():
        # Another machine's file not uploaded yet, or deleted here: its status stays as it is.
        tally.elsewhere.append(asset.path)
        return
    size = path.stat().st_size if asset.size is None else asset.size
    ws.store.assets.set_sync(asset.id, UPLOADING)
    try:
        storage.upload(path, key, sha256=local_checksum or "", size=size, progress=tally.bytes_moved(asset.job_id, asset.path))
    except BUCKET_WIDE as exc:
        ws.store.assets.set_sync(asset.id, FAILED, error=str(exc))
        raise  # every other file would fail the same way
    except (NexusError, OSError) as exc:
        reason = str(exc) if isinstance(exc, NexusError) else f"could not read {path.name}: {exc.strerror or exc}"
        ws.store.assets.set_sync(asset.id, FAILED, error=reason)
        tally.failed.append((asset.path, reason))
        return
    except BaseException:
        ws.store.assets.set_sync(asset.id, FAILED, error="interrupted; the next sync resumes it")
        raise
    ws.store.assets.set_sync(asset.id, SYNCED, remote_key=key, remote_checksum=local_checksum)
    tally.file_done(asset.path, tally.moved)


def upload_job(ws: Workspace, job_id: int, storage: Storage | None = None, **options) -> SyncReport:
    """Upload one job's files (``nexus sync JOB``, the Jobs view's "Sync")."""
    return upload_assets(ws, ws.store.assets.for_job(job_id), storage or open_storage(ws), **options)


def upload_jobs(ws: Workspace, job_ids: Iterable[int] | None = None, storage: Storage | None = None, **options) -> SyncReport:
    """Upload the files of these jobs, or of every job (``nexus sync``)."""
    assets = ws.store.assets.all() if job_ids is None else [a for j in job_ids for a in ws.store.assets.for_job(j)]
    return upload_assets(ws, assets, storage or open_storage(ws), **options)


def auto_upload(ws: Workspace, view: JobView, storage: Storage | None = None, **options) -> SyncReport | None:
    """Call when a stage finished: once a job's videos are rendered, upload its
    files if Settings → Sync says so. None when there is nothing to do."""
    sync = ws.settings.sync
    if not (sync.enabled and sync.auto_upload) or Stage.RENDER not in view.done:
        return None
    return upload_job(ws, view.id, storage, **options)


# -- restore ---------------------------------------------------------------------------------


class LocalIndex:
    """What this machine knows of its own copies: size, mtime and SHA-256 per
    file, so telling a current copy from a stale one rarely needs a re-read."""

    def __init__(self, data: Path) -> None:
        self.file = data / ".sync" / "local-index.json"
        try:
            self.entries: dict[str, list] = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.entries = {}
        self.changed = False

    def checksum(self, relative: str, path: Path) -> str | None:
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        entry = self.entries.get(relative)
        if entry and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
            return entry[2]
        digest = file_sha256(path)
        self.remember(relative, path, digest)
        return digest

    def remember(self, relative: str, path: Path, digest: str) -> None:
        stat = path.stat()
        self.entries[relative] = [stat.st_size, stat.st_mtime_ns, digest]
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        self.file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.entries), encoding="utf-8")
        os.replace(tmp, self.file)
        self.changed = False


def restore_assets(ws: Workspace, assets: Sequence[AssetView], storage: Storage, *, progress: ProgressCallback | None = None,
                   cancel: threading.Event | None = None, overwrite: bool = False) -> SyncReport:
    """Download the files this machine lacks. A local copy with another
    checksum is left alone (and reported) unless ``overwrite``."""
    index = LocalIndex(ws.paths.data)
    todo, tally_skipped, failed = [], [], []
    for asset in assets:
        path = _local_path(ws, asset)
        have = index.checksum(asset.path, path)
        if have is not None and (have == asset.checksum or asset.checksum is None):
            tally_skipped.append(asset.path)
        elif have is not None and not overwrite:
            failed.append((asset.path, "a different copy is on this machine; it was left as it is (restore --overwrite replaces it)"))
        else:
            todo.append(asset)
    tally = _Tally(assets[0].job_id if assets else 0, sum(a.size or 0 for a in todo), len(todo), progress)
    tally.skipped.extend(tally_skipped)
    tally.failed.extend(failed)
    if todo:
        storage.check()
    try:
        _each(todo, lambda asset: _restore_one(ws, asset, storage, tally, index), cancel)
    finally:
        index.save()
    return tally.report()


def _restore_one(ws: Workspace, asset: AssetView, storage: Storage, tally: _Tally, index: LocalIndex) -> None:
    key = asset.remote_key or storage.key_for(asset.path)
    path = _local_path(ws, asset)
    try:
        storage.download(key, path, sha256=asset.checksum, progress=tally.bytes_moved(asset.job_id, asset.path))
    except NotInBucket:
        tally.failed.append((asset.path, "not in the bucket: sync the job on the machine that made it"))
        return
    except BUCKET_WIDE:
        raise
    except StorageError as exc:
        tally.failed.append((asset.path, str(exc)))
        return
    if asset.checksum:
        index.remember(asset.path, path, asset.checksum)
    tally.file_done(asset.path, tally.moved)


def restore_job(ws: Workspace, job_id: int, storage: Storage | None = None, **options) -> SyncReport:
    """Download one job's files onto this machine (``nexus restore JOB``)."""
    return restore_assets(ws, ws.store.assets.for_job(job_id), storage or open_storage(ws), **options)


def restore_jobs(ws: Workspace, job_ids: Iterable[int] | None = None, storage: Storage | None = None, **options) -> SyncReport:
    assets = ws.store.assets.all() if job_ids is None else [a for j in job_ids for a in ws.store.assets.for_job(j)]
    return restore_assets(ws, assets, storage or open_storage(ws), **options)


def fetch_missing(ws: Workspace, storage: Storage, job_id: int, *, wait_seconds: float = FETCH_WAIT_SECONDS,
                  poll_seconds: float = 0.5, cancel: threading.Event | None = None) -> int:
    """Before a stage: download the job's files this machine lacks (or has an old
    copy of). A file another machine made and is still uploading is waited for."""
    deadline = time.monotonic() + wait_seconds
    fetched = 0
    while True:
        index = LocalIndex(ws.paths.data)
        assets = ws.store.assets.for_job(job_id)
        stale = [a for a in assets if a.checksum is None or index.checksum(a.path, _local_path(ws, a)) != a.checksum]
        index.save()
        ready = [a for a in stale if a.sync_status == SYNCED]
        if ready:
            report = restore_assets(ws, ready, storage, overwrite=True, cancel=cancel)
            if report.failed:
                path, reason = report.failed[0]
                raise StorageUnavailable(f"could not fetch {path} of job {job_id} from the bucket: {reason}")
            fetched += len(report.moved)
        broken = [a for a in stale if a.sync_status == FAILED]
        if broken:
            raise StorageUnavailable(f"{broken[0].path} of job {job_id} never reached the bucket: {broken[0].sync_error}",
                                     hint="sync the job on the machine that made it, then retry the job")
        waiting = [a for a in stale if a.sync_status in (LOCAL, UPLOADING) and a.checksum is not None]
        if not waiting:
            return fetched
        if time.monotonic() > deadline:
            raise StorageUnavailable(f"{len(waiting)} file(s) of job {job_id} are not in the bucket yet (e.g. {waiting[0].path})",
                                     hint="sync the job on the machine that made it, then retry the job")
        if (cancel or threading.Event()).wait(poll_seconds):
            return fetched


def before_stage_hook(ws: Workspace, storage: Storage | None = None,
                      cancel: threading.Event | None = None) -> Callable[[int, Stage], None] | None:
    """What to set as ``ws.before_stage`` on a machine of a shared workspace (the
    window's runner, the daemon): fetch the job's files from the bucket before a
    stage. None when sync is off."""
    if not ws.settings.sync.enabled:
        return None
    bucket = storage or open_storage(ws)

    def fetch(job_id: int, stage: Stage) -> None:
        fetch_missing(ws, bucket, job_id, cancel=cancel)

    return fetch


# -- links -----------------------------------------------------------------------------------


def share_link(ws: Workspace, job_id: int, *, format: str | None = None, kind: str = "video", expires_seconds: int = 3600,
               storage: Storage | None = None) -> str:
    """A presigned URL to one of a job's files (the Jobs view's "Copy link", the
    Instagram adapter's public video URL). Uploads the file first if needed."""
    storage = storage or open_storage(ws)
    candidates = [a for a in ws.store.assets.for_job(job_id, kind) if format is None or a.format == format]
    if not candidates:
        have = sorted({a.format or "-" for a in ws.store.assets.for_job(job_id, kind)})
        what = f"{format} {kind}" if format else kind
        raise UserFixableError(f"job {job_id} has no {what}", hint=f"it has: {', '.join(have)}" if have else "render the job first")
    asset = candidates[0]
    report = upload_assets(ws, [asset], storage)
    if report.failed:
        raise UserFixableError(f"{asset.path} could not be uploaded: {report.failed[0][1]}")
    return storage.presigned_url(storage.key_for(asset.path), expires_seconds)
