"""What every publishing target implements, and the errors it may raise.

The scheduler's publish state machine (``pipeline/publish.py``) calls these; each
platform adapter (export folder, YouTube, Instagram, X, LinkedIn) implements them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ...domain.errors import RetryableError, UserFixableError


@dataclass(frozen=True)
class PostPackage:
    """Everything one upload needs, resolved to files on this machine."""

    post_id: int
    attempt_id: str  # unique per claim; an idempotency key where the platform has one
    job_id: int
    platform: str
    account_id: int | None
    title: str
    description: str
    text: str  # the post body / caption for this platform
    hashtags: tuple[str, ...]
    link: str
    video_path: Path
    video_format: str  # "16x9", "9x16", "1x1"
    video_duration: float
    thumbnail_path: Path | None
    captions_path: Path | None  # SRT
    scheduled_at: datetime | None
    upload_state: dict[str, Any] = field(default_factory=dict)  # saved resumable-upload progress
    options: dict[str, Any] = field(default_factory=dict)  # target config (privacy, page id, ...)
    post_uid: str = ""  # the post's identity that a database reset never reuses


@dataclass(frozen=True)
class PublishResult:
    remote_id: str
    url: str
    public_at: datetime | None = None  # uploaded ahead: the platform makes it public at this time


ProgressCallback = Callable[[int, str], None]
SaveState = Callable[[dict[str, Any]], None]  # persist upload_state so a restart resumes


class PublishError(UserFixableError):
    """Permanent: the platform refused the post (validation, 400, 403). Do not retry."""


class TransientPublishError(RetryableError):
    """Timeout, connection reset, 429 or 5xx: retry with backoff (honour retry_after)."""


class NeedsReconnect(UserFixableError):
    """The account's credentials cannot be refreshed: hold its posts, tell the creator."""


class CannotKnow(Exception):
    """Reconciliation cannot tell whether an earlier attempt was published."""


@runtime_checkable
class Publisher(Protocol):
    platform: str

    def preflight(self, package: PostPackage) -> list[str]:
        """Problems that would make the platform reject the post, each with its fix. Empty if fine."""

    def publish(self, package: PostPackage, progress: ProgressCallback, save_state: SaveState) -> PublishResult:
        """Upload and publish. Must resume from ``package.upload_state`` when it holds progress."""

    def find_existing(self, package: PostPackage) -> PublishResult | None:
        """After a crash during publishing: the earlier upload if it exists, None if it surely
        does not; raise CannotKnow when the platform cannot tell."""

    def refresh_credentials(self) -> None:
        """Refresh tokens that are about to expire; raise NeedsReconnect when that fails."""
