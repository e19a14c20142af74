"""The Health view's actions: read the report, and clean up old jobs' intermediate files.

The clean-up is asked first by the view; the files then go only once the toast's Undo has
passed (or at quit, when the window settles the toast), like a job's delete.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ...pipeline import health
from ...pipeline.flow import Workspace
from ...pipeline.health import HealthReport
from ...runtime.events import Changed
from ..formatting import count
from .base import CollectionOp, Outcome, QueryOp, _alive

if TYPE_CHECKING:
    from ..app_context import AppContext

FILES = Changed(files=True)


@dataclass(frozen=True)
class Freed:
    files: int
    bytes: int


def size_text(n: int) -> str:
    """A size a person reads: 512 KB, 38.2 MB, 1.25 GB."""
    if n >= 1024 ** 3:
        return f"{n / 1024 ** 3:.2f} GB"
    return f"{n / 1024 ** 2:.1f} MB" if n >= 1024 ** 2 else f"{n / 1024:.0f} KB"


def report(ctx: AppContext, now: datetime, success: Callable[[HealthReport], Any],
           failure: Callable[[BaseException], Any]) -> None:
    """Accounts, quotas, spend, disk, the queue and the success rates, read in the read lane."""
    QueryOp(ctx, lambda ws: health.report(ws, now=now), "Reading the app's health").success(success).failure(
        failure).run_in_background()


def clean_up(ctx: AppContext, now: datetime, what: str, *, success: Callable[[Outcome[Freed]], Any] | None = None,
             undone: Callable[[], Any] | None = None) -> None:
    """Delete the intermediate files (narration, images, scratch) of published jobs older than the
    clean-up age; final videos, captions and thumbnails stay. Undo while the toast shows keeps
    every file; the deletion runs in the store lane once it has passed."""

    def op(ws: Workspace) -> Outcome[Freed]:
        files, freed = health.clean_up(ws, now)
        return Outcome(FILES, f"Cleaned up {count(files, 'file')}; {size_text(freed)} freed", value=Freed(files, freed))

    def start() -> None:
        CollectionOp(ctx, op, "Cleaning up").success(success).run_in_background()

    def undo() -> None:
        ctx.ops.told.emit("Clean-up undone; no file was deleted")
        if undone is not None and _alive(undone):
            undone()

    ctx.ops.undoable.emit(f"Cleaning up {what}", undo, start)
