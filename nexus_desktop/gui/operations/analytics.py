"""The Analytics view's action: export the figures of a period as CSV (read and written in
the runner's read lane; the status bar says how many posts went into the file)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ...pipeline.flow import Workspace
from ...pipeline.measure import metrics
from ...runtime.lanes import READ
from ..analytics_model import write_csv
from ..formatting import count
from .base import CollectionOp, Outcome

if TYPE_CHECKING:
    from ..app_context import AppContext


def export_csv(ctx: AppContext, path: Path, start: datetime, end: datetime) -> None:
    def op(ws: Workspace) -> Outcome[int]:
        written = write_csv(path, metrics(ws).posts(start=start, end=end))
        return Outcome(told=f"Saved {count(written, 'post')} to {path}", value=written)

    CollectionOp(ctx, op, "Exporting figures").run_in_background(lane=READ)
