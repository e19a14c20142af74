"""How the app is doing: accounts and tokens, quotas, API versions, spend, disk, the
queue, recent errors and 30-day success rates against the targets. ``nexus health``
and the Health view show the same ``HealthReport``; ``clean_up`` frees the disk."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ..providers.platforms.metrics import READERS
from ..store.health import HealthQueries, Rate, RecentError
from ..store.targets import platform_name
from .flow import Workspace
from .schedule import utcnow

WINDOW = timedelta(days=30)
EXPIRES_SOON = timedelta(days=3)
YOUTUBE_UNITS = 10_000


@dataclass(frozen=True)
class AccountHealth:
    id: int
    platform: str
    name: str
    token: str  # "ok", "expires soon", "expired", "needs reconnecting"
    expires_at: datetime | None
    detail: str
    quota_used: int | None
    quota_limit: int | None
    quota_unit: str


@dataclass(frozen=True)
class VersionHealth:
    platform: str
    version: str
    retires_on: date | None
    note: str


@dataclass(frozen=True)
class Disk:
    jobs_bytes: int
    exports_bytes: int
    free_bytes: int
    reclaimable_bytes: int  # intermediate files of published jobs older than the clean-up age
    reclaimable_jobs: int


@dataclass(frozen=True)
class HealthReport:
    now: datetime
    accounts: tuple[AccountHealth, ...]
    versions: tuple[VersionHealth, ...]
    spend_by_month: dict[str, float]
    spend_by_job: dict[int, float]
    disk: Disk
    queue: dict[str, dict[str, int]]
    errors: tuple[RecentError, ...]
    stage_rates: tuple[Rate, ...]
    publish_rates: tuple[Rate, ...]
    targets: dict[str, float]
    alerts: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        iso = lambda t: t.isoformat() if t else None  # noqa: E731
        rate = lambda r: {"key": r.key, "succeeded": r.succeeded, "failed": r.failed, "rate": r.rate}  # noqa: E731
        return {
            "now": iso(self.now),
            "accounts": [{**a.__dict__, "expires_at": iso(a.expires_at),
                          "quota_left": None if a.quota_limit is None or a.quota_used is None else a.quota_limit - a.quota_used}
                         for a in self.accounts],
            "versions": [{**v.__dict__, "retires_on": iso(v.retires_on)} for v in self.versions],
            "spend": {"by_month": self.spend_by_month, "by_job": {str(k): v for k, v in self.spend_by_job.items()},
                      "currency": "USD"},
            "disk": self.disk.__dict__,
            "queue": self.queue,
            "errors": [{"at": iso(e.at), "what": e.what, "reason": e.reason} for e in self.errors],
            "success_30_days": {"stages": [rate(r) for r in self.stage_rates], "platforms": [rate(r) for r in self.publish_rates],
                                "targets": self.targets},
            "alerts": list(self.alerts),
        }


def _account_health(account, now: datetime) -> AccountHealth:
    expires, details = account.token_expires_at, account.details
    if account.status.value != "connected":
        token = "needs reconnecting"
    elif expires is not None and expires <= now and not details.get("refreshable", True):
        token = "expired"
    elif expires is not None and expires - now <= EXPIRES_SOON and not details.get("refreshable", True):
        token = "expires soon"
    else:
        token = "ok"
    used, limit, unit = _quota(account, now)
    return AccountHealth(account.id, account.platform, account.name, token, expires, account.health(now), used, limit, unit)


def _quota(account, now: datetime) -> tuple[int | None, int | None, str]:
    details = account.details
    if account.platform == "youtube":
        from zoneinfo import ZoneInfo

        day = now.astimezone(ZoneInfo("America/Los_Angeles")).date().isoformat()
        quota = details.get("project_usage") or {}  # the Cloud project's units, shared by its channels
        return (int(quota.get("units", 0)) if quota.get("day") == day else 0), YOUTUBE_UNITS, "units today"
    calls = details.get("metrics_calls") or {}
    if account.platform in READERS:
        return (int(calls.get("calls", 0)) if calls.get("day") == now.date().isoformat() else 0), None, "reads today"
    return None, None, ""


def _versions(ws: Workspace, now: datetime) -> list[VersionHealth]:
    """The API version each dated platform is called with, and when it retires (the
    platforms' published tables, kept in each platform's description)."""
    from ..providers.platforms import registry, versions
    from ..providers.platforms.oauth import api_version

    found = []
    for described in registry.descriptions():
        table = described.versions
        if table is None:
            continue
        name = api_version(described.name, ws.settings.publish)
        version = versions.find(table, name)
        retires = version.retires if version else None
        note = versions.retirement_notice(table, name, now.date())
        if retires is not None and retires - now.date() <= timedelta(days=90):
            note += ": update it in Settings › Publishing" if retires > now.date() else ": choose a live one in Settings › Publishing"
        found.append(VersionHealth(described.name, name, retires, note))
    return found


def _spend(ws: Workspace, queries: HealthQueries) -> tuple[dict[str, float], dict[int, float]]:
    prices = ws.settings.measure.prices
    by_job, by_month = {}, {}
    for cost in queries.job_costs():
        dollars = (cost.tokens / 1000 * prices.get("llm_per_1k_tokens", 0.0)
                   + cost.voice_characters / 1000 * prices.get("elevenlabs_per_1k_characters", 0.0)
                   + cost.x_posts * prices.get("x_per_post", 0.0))
        if dollars:
            by_job[cost.job_id] = round(dollars, 4)
        month = cost.created_at.strftime("%Y-%m")
        by_month[month] = round(by_month.get(month, 0.0) + dollars, 4)
    return by_month, by_job


def _size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def _final_files(results: dict[str, Any]) -> set[str]:
    """The files a published job keeps: its videos, their captions and the thumbnails."""
    keep = set()
    for video in ((results.get("render") or {}).get("videos") or {}).values():
        if isinstance(video, dict):
            keep.update(str(video[k]) for k in ("path", "srt") if video.get(k))
    for thumb in ((results.get("visualize") or {}).get("thumbnails") or {}).values():
        keep.add(str(thumb.get("path") if isinstance(thumb, dict) else thumb))
    return keep


def cleanable(ws: Workspace, now: datetime) -> list[Path]:
    """Intermediate files (narration, images, scratch) of jobs published more than
    ``measure.cleanup_after_days`` ago; the final videos, captions and thumbnails stay."""
    before = now - timedelta(days=ws.settings.measure.cleanup_after_days)
    found = []
    for job_id, results in HealthQueries(ws.store.db).published_jobs_before(before):
        folder = ws.paths.jobs / f"{job_id:06d}"  # not job_dir(): that would create it
        if not folder.is_dir():
            continue
        keep = _final_files(results)
        found += [p for p in sorted(folder.rglob("*")) if p.is_file() and p.relative_to(folder).as_posix() not in keep]
    return found


def clean_up(ws: Workspace, now: datetime | None = None) -> tuple[int, int]:
    """Delete what ``cleanable`` lists; returns (files, bytes) freed."""
    files = cleanable(ws, now or utcnow())
    freed = 0
    for path in files:
        try:
            freed += path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            pass
    return len(files), freed


def _disk(ws: Workspace, now: datetime) -> Disk:
    files = cleanable(ws, now)
    reclaim = sum(p.stat().st_size for p in files if p.exists())
    jobs = {p.relative_to(ws.paths.jobs).parts[0] for p in files}
    root = ws.paths.jobs if ws.paths.jobs.exists() else ws.paths.database.parent
    return Disk(_size(ws.paths.jobs), _size(ws.paths.exports), shutil.disk_usage(root).free, reclaim, len(jobs))


def alerts(report: HealthReport, warn_free_gb: float) -> list[str]:
    """What the tray warns about: tokens expiring within 3 days, quotas nearly used, a full disk."""
    found = []
    for a in report.accounts:
        if a.token in ("expires soon", "expired", "needs reconnecting"):
            found.append(f"{platform_name(a.platform)} ({a.name}): token {a.token}")
        if a.quota_limit and a.quota_used is not None and a.quota_used >= 0.9 * a.quota_limit:
            found.append(f"{platform_name(a.platform)} ({a.name}): {a.quota_used:,} of {a.quota_limit:,} {a.quota_unit} used")
    if report.disk.free_bytes < warn_free_gb * 1024 ** 3:
        found.append(f"disk nearly full: {report.disk.free_bytes / 1024 ** 3:.1f} GB free")
    return found


def report(ws: Workspace, *, now: datetime | None = None) -> HealthReport:
    now = now or utcnow()
    queries = HealthQueries(ws.store.db)
    measure = ws.settings.measure
    by_month, by_job = _spend(ws, queries)
    since = now - WINDOW
    made = HealthReport(
        now=now,
        accounts=tuple(_account_health(a, now) for a in ws.store.accounts.list()),
        versions=tuple(_versions(ws, now)),
        spend_by_month=by_month, spend_by_job=by_job,
        disk=_disk(ws, now),
        queue={"jobs": ws.store.jobs.counts_by_status(), "posts": ws.store.posts.counts_by_status()},
        errors=tuple(queries.recent_errors()),
        stage_rates=tuple(queries.stage_rates(since)),
        publish_rates=tuple(queries.publish_rates(since)),
        targets={"media_generation": measure.media_success_target, "publishing": measure.publish_success_target},
    )
    return HealthReport(**{**made.__dict__, "alerts": tuple(alerts(made, measure.disk_warn_free_gb))})


def as_utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(timezone.utc) if moment else None


def iter_rates(rates: Iterable[Rate]) -> list[tuple[str, str]]:
    return [(r.key, "—" if r.rate is None else f"{r.rate:.0%} ({r.succeeded}/{r.succeeded + r.failed})") for r in rates]
