"""What deleting jobs takes with it, read before the creator is asked."""

from __future__ import annotations

from dataclasses import dataclass

from ...pipeline import schedule as scheduling
from ...pipeline.flow import Workspace
from ...store.post_records import PostFilter


@dataclass(frozen=True)
class DeletionSummary:
    """What deleting jobs takes with it: disk space, and posts that would have gone out."""

    bytes: int
    posts: tuple[str, ...]  # "Export for YouTube, Mon 14 Dec 17:00"


def deletion_summary(ws: Workspace, job_ids: list[int]) -> DeletionSummary:
    """Read in the runner: the size of the jobs' folders and their posts still to go out."""
    total = 0
    for job_id in job_ids:
        folder = ws.paths.jobs / f"{job_id:06d}"  # not job_dir(): that would make the folder
        if folder.is_dir():
            total += sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    zone = scheduling.local_zone(ws.settings)
    going = [p for p in ws.store.posts.list(PostFilter(job_ids=tuple(job_ids)))
             if p.status.value in ("scheduled", "held", "failed", "draft")]
    return DeletionSummary(total, tuple(
        f"{p.target_name}, {scheduling.format_local(p.scheduled_at, zone) if p.scheduled_at else 'no time yet'}"
        for p in going))
