"""Frozen snapshots of rows, safe to hand to another thread or a Qt model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain.jobs import JobState, JobStatus
from ..domain.stages import Stage


@dataclass(frozen=True)
class SourceView:
    id: int
    url: str
    title: str
    site_url: str
    active: bool
    last_checked: datetime | None
    last_error: str | None
    item_count: int
    etag: str | None
    last_modified: str | None

    @property
    def display_name(self) -> str:
        return self.title or self.url

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "active": self.active,
            "last_checked": self.last_checked.isoformat() if self.last_checked else None,
            "last_error": self.last_error,
            "items": self.item_count,
        }


@dataclass(frozen=True)
class JobView:
    id: int
    item_id: int
    title: str
    source_title: str
    status: JobStatus
    stage: Stage
    done: frozenset[Stage]
    error: str | None
    progress: int
    progress_message: str
    created_at: datetime
    updated_at: datetime
    claimed_by: str | None = None

    @property
    def state(self) -> JobState:
        return JobState(self.status, self.done, self.error)

    @property
    def status_text(self) -> str:
        """What a person reads in the status column."""
        if self.status is JobStatus.FAILED:
            return f"Failed: {self.error}" if self.error else "Failed"
        if self.status is JobStatus.REJECTED:
            return f"Rejected: {self.error}" if self.error else "Rejected"
        return self.status.label

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source_title,
            "status": self.status.value,
            "stage": self.stage.value,
            "error": self.error,
            "progress": self.progress,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True)
class JobDetail:
    job: JobView
    results: dict[str, Any]
    errors: dict[str, Any]


@dataclass(frozen=True)
class AssetView:
    id: int
    job_id: int
    kind: str
    path: str
    format: str | None
    duration: float | None
    checksum: str | None
    size: int | None
    sync_status: str
    sync_error: str | None
    remote_key: str | None
