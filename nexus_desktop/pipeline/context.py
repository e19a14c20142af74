"""What a stage is given and what it gives back.

A stage is a plain function ``run(ctx: StageContext) -> StageOutput``. It reads
the article and what earlier stages stored (``ctx.results``), writes files under
``ctx.job_dir``, reports progress, and returns JSON-able results plus the assets
it made. It never touches the database: ``flow.py`` stores the output in one
transaction, so a crash mid-stage leaves nothing half-recorded.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..domain.content import Article
from ..domain.errors import Cancelled
from ..paths import AppPaths
from ..settings import Settings

ProgressCallback = Callable[[int, str], None]


@dataclass(frozen=True)
class AssetRecord:
    """A file a stage made. ``path`` is relative to the data folder, so a second
    machine sharing the bucket finds it under its own data folder."""

    kind: str  # "script", "narration", "captions", "scene_image", "thumbnail", "video", ...
    path: str
    format: str | None = None  # "16x9", "9x16", "1x1" or a custom size name
    duration: float | None = None
    checksum: str | None = None  # sha256 hex
    size: int | None = None


@dataclass(frozen=True)
class StageOutput:
    results: dict[str, Any]
    assets: tuple[AssetRecord, ...] = ()


@dataclass
class StageContext:
    job_id: int
    article: Article
    settings: Settings
    paths: AppPaths
    results: Mapping[str, dict[str, Any]]  # earlier stages' results, by stage name
    progress_callback: ProgressCallback = lambda percent, message: None
    cancel_event: threading.Event = field(default_factory=threading.Event)

    @property
    def job_dir(self) -> Path:
        return self.paths.job_dir(self.job_id)

    def progress(self, percent: float, message: str) -> None:
        self.progress_callback(max(0, min(100, int(percent))), message)

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def check_cancelled(self) -> None:
        if self.cancel_event.is_set():
            raise Cancelled()

    def asset(self, kind: str, path: Path, *, format: str | None = None, duration: float | None = None) -> AssetRecord:
        """Describe a finished file in the job folder as an asset, with its checksum."""
        return AssetRecord(
            kind=kind,
            path=path.resolve().relative_to(self.paths.data.resolve()).as_posix(),
            format=format,
            duration=duration,
            checksum=file_sha256(path),
            size=path.stat().st_size,
        )


def file_sha256(path: Path, chunk: int = 1024 * 1024) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()
