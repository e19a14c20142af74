"""Publishing a post exactly once: scheduled → publishing → published | failed.

A post is claimed into ``publishing`` with a fresh attempt id in one
transaction (``PostRepo.claim``), so two app instances never both upload it.
Then the outcome is recorded by the holder of that attempt id alone:

- the upload worked: ``published`` (and the job, once all its posts are);
- a timeout, reset, 429 or 5xx: back to ``scheduled`` with a later
  ``next_attempt_at`` (exponential backoff with jitter, never sooner than
  Retry-After), and marked *uncertain*: the next attempt first asks the platform
  whether the upload arrived after all, instead of uploading again;
- the platform refused it (validation, 401/403): ``failed`` with what to fix;
- the account cannot be refreshed: the account's posts are ``held``;
- the app died mid-upload: at the next start the post is found in
  ``publishing`` with a dead claim and reconciled with ``find_existing``:
  ``published``, back to ``scheduled``, or ``needs_check`` when the platform
  cannot tell.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..domain.errors import NexusError
from ..providers.platforms.base import (
    CannotKnow,
    NeedsReconnect,
    PostPackage,
    PublishError,
    Publisher,
    PublishResult,
    TransientPublishError,
)
from ..providers.platforms import registry
from ..providers.platforms.registry import PublisherSetup, create_publisher
from ..store.jobs import ClaimLost
from ..store.post_records import ClaimedPost, PostView
from ..store.targets import platform_name
from .flow import Workspace
from .schedule import PLATFORM_FORMATS, posts, upload_ahead, utcnow

log = logging.getLogger(__name__)

LEASE_SECONDS = 120.0
MAX_RETRY_AFTER = 24 * 3600.0


@dataclass(frozen=True)
class Backoff:
    """Delays between attempts after transient errors: exponential with jitter, and
    never sooner than the platform's Retry-After. ``Backoff(base=0)`` retries at once (tests)."""

    base: float = 30.0
    factor: float = 2.0
    cap: float = 3600.0
    max_attempts: int = 8
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        span = min(self.cap, self.base * self.factor ** max(0, attempt - 1))
        jittered = span / 2 + self.rng.uniform(0, span / 2)  # "equal jitter": spread retries, keep growth
        return max(jittered, min(retry_after or 0.0, MAX_RETRY_AFTER))


class Outcome(StrEnum):
    PUBLISHED = "published"
    RETRY = "retry"  # back to scheduled, due again later
    FAILED = "failed"
    HELD = "held"
    NEEDS_CHECK = "needs_check"
    LOST = "lost"  # another worker took the post over; nothing was recorded


@dataclass(frozen=True)
class PublishOutcome:
    post_id: int
    outcome: Outcome
    post: PostView | None
    message: str = ""


class _Heartbeat(threading.Thread):
    """Keeps the claim alive while a long upload runs, so another instance does not take it over."""

    def __init__(self, run: "Publishing", claimed: ClaimedPost) -> None:
        super().__init__(daemon=True, name=f"post-heartbeat-{claimed.post.id}")
        self.run_, self.claimed = run, claimed
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.run_.lease / 4):
            try:
                if not posts(self.run_.ws).extend(self.claimed.post.id, self.claimed.attempt_id, now=self.run_.clock(), lease=self.run_.lease):
                    return
            except Exception:
                log.warning("could not extend the claim on post %s", self.claimed.post.id, exc_info=True)


def _rel(job_dir: Path, value: Any) -> Path | None:
    if isinstance(value, dict):
        value = value.get("path")
    return job_dir / str(value) if value else None


def build_package(ws: Workspace, claimed: ClaimedPost) -> PostPackage:
    """Everything the upload needs, resolved to files of this machine."""
    post = claimed.post
    results = ws.store.jobs.results(post.job_id)
    videos: dict[str, Any] = results.get("render", {}).get("videos", {})
    wanted = str(claimed.options.get("format") or PLATFORM_FORMATS.get(post.style, "16x9"))
    fmt = wanted if wanted in videos else next(iter(videos), None)
    if fmt is None:
        raise PublishError(f"job {post.job_id} has no rendered video", hint="render the job again, then publish")
    job_dir = ws.paths.job_dir(post.job_id)
    video = videos[fmt]
    thumbnails: dict[str, Any] = results.get("visualize", {}).get("thumbnails", {})
    text = post.text
    # The thumbnail the creator chose for this post (the post composer), else the video format's.
    thumbnail = thumbnails.get(str(text.get("thumbnail") or fmt)) or thumbnails.get(fmt) or next(iter(thumbnails.values()), None)
    return PostPackage(
        post_id=post.id, attempt_id=claimed.attempt_id, job_id=post.job_id, platform=post.platform,
        account_id=post.account_id, title=str(text.get("title") or post.job_title),
        description=str(text.get("description") or ""), text=str(text.get("body") or ""),
        hashtags=tuple(str(t) for t in text.get("hashtags") or ()), link=ws.store.jobs.article(post.job_id).link,
        video_path=_rel(job_dir, video), video_format=fmt, video_duration=float(video.get("duration") or 0.0),
        thumbnail_path=_rel(job_dir, thumbnail), captions_path=_rel(job_dir, video.get("srt")),
        scheduled_at=post.scheduled_at, upload_state=dict(claimed.upload_state),
        options={**claimed.options, "for": post.style}, post_uid=post.uid,
    )


def cost_of(package: PostPackage) -> str | None:
    """What publishing the post costs on its platform's paid API (X's pay-per-use), if it has one."""
    described = next((d for d in registry.descriptions() if d.name == package.platform), None)  # not "export"
    return described.cost(package) if described is not None and described.cost is not None else None


def describe(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, NexusError) else f"{type(exc).__name__}: {exc}"


@dataclass
class Publishing:
    """One publishing session: its clock, backoff, claim lease and adapters (one per target)."""

    ws: Workspace
    clock: Callable[[], datetime] = utcnow
    backoff: Backoff = field(default_factory=Backoff)
    lease: float = LEASE_SECONDS
    on_progress: Callable[[int, int, str], None] = lambda post_id, percent, message: None
    _publishers: dict[int, Publisher] = field(default_factory=dict, repr=False)
    _busy: set[int] = field(default_factory=set, repr=False)  # posts this session is publishing now

    def publisher(self, post: PostView, options: dict[str, Any]) -> Publisher:
        if post.target_id not in self._publishers:
            setup = PublisherSetup(self.ws.settings, self.ws.paths, post.account_id, post.target_name, dict(options),
                                   accounts=self.ws.store.accounts)
            self._publishers[post.target_id] = create_publisher(post.platform, setup)
        return self._publishers[post.target_id]

    # -- the loop ------------------------------------------------------------------

    def publish_due(self, *, stop: threading.Event | None = None) -> list[PublishOutcome]:
        """Publish, one at a time, every post that is due now."""
        outcomes = []
        while stop is None or not stop.is_set():
            claimed = posts(self.ws).claim(now=self.clock(), worker=self.ws.worker, lease=self.lease,
                                           ahead=upload_ahead(self.ws.settings))
            if claimed is None:
                break
            outcomes.append(self.publish_claimed(claimed))
        return outcomes

    def publish_post(self, post_id: int) -> PublishOutcome | None:
        """Publish one post if it is due (see ``schedule.publish_now``); None if it was not claimable."""
        claimed = posts(self.ws).claim(now=self.clock(), worker=self.ws.worker, lease=self.lease, post_id=post_id,
                                       ahead=upload_ahead(self.ws.settings))
        return self.publish_claimed(claimed) if claimed else None

    # -- one attempt -----------------------------------------------------------------

    def publish_claimed(self, claimed: ClaimedPost) -> PublishOutcome:
        self._busy.add(claimed.post.id)
        try:
            return self._attempt(claimed)
        finally:
            self._busy.discard(claimed.post.id)

    def _attempt(self, claimed: ClaimedPost) -> PublishOutcome:
        post, started = claimed.post, False
        try:
            publisher = self.publisher(post, claimed.options)
            package = build_package(self.ws, claimed)
            if claimed.uncertain:
                existing = publisher.find_existing(package)
                if existing is not None:
                    log.info("post %s: an earlier attempt had reached %s; not uploading again", post.id, post.platform)
                    return self._published(claimed, existing, cost_of(package))
            publisher.refresh_credentials()
            problems = publisher.preflight(package)
            if problems:
                raise PublishError("; ".join(problems))
            started = True
            result = self._upload(publisher, package, claimed)
            return self._published(claimed, result, cost_of(package))
        except ClaimLost as exc:
            log.warning("post %s: %s", post.id, exc)
            return PublishOutcome(post.id, Outcome.LOST, posts(self.ws).get(post.id), str(exc))
        except TransientPublishError as exc:
            return self._retry(claimed, exc, uncertain=started or claimed.uncertain)
        except NeedsReconnect as exc:
            return self._hold(claimed, exc)
        except CannotKnow as exc:
            return self._needs_check(claimed, f"{platform_name(post.platform)} cannot tell whether an earlier attempt went out ({exc})")
        except PublishError as exc:
            log.warning("post %s: %s refused it: %s", post.id, post.platform, exc)
            return self._end(claimed, Outcome.FAILED, describe(exc), uncertain=claimed.uncertain)
        except Exception as exc:
            log.exception("post %s: publishing to %s crashed", post.id, post.platform)
            reason = f"unexpected error while publishing: {describe(exc)} (details in {self.ws.paths.log_file})"
            return self._end(claimed, Outcome.FAILED, reason, uncertain=started or claimed.uncertain)

    def _upload(self, publisher: Publisher, package: PostPackage, claimed: ClaimedPost) -> PublishResult:
        repo, post_id = posts(self.ws), claimed.post.id
        heartbeat = _Heartbeat(self, claimed)
        heartbeat.start()
        try:
            return publisher.publish(
                package,
                lambda percent, message: self.on_progress(post_id, percent, message),
                lambda state: repo.save_upload_state(post_id, claimed.attempt_id, state),
            )
        finally:
            heartbeat.stopped.set()

    def _published(self, claimed: ClaimedPost, result: PublishResult, cost: str | None = None) -> PublishOutcome:
        view = posts(self.ws).published(claimed.post.id, claimed.attempt_id, remote_id=result.remote_id, url=result.url,
                                        now=self.clock(), public_at=result.public_at, cost=cost)
        log.info("post %s published to %s: %s", view.id, view.platform, result.url)
        return PublishOutcome(view.id, Outcome.PUBLISHED, view, result.url)

    def _retry(self, claimed: ClaimedPost, exc: TransientPublishError, *, uncertain: bool) -> PublishOutcome:
        post = claimed.post
        if post.attempts >= self.backoff.max_attempts:
            reason = f"gave up after {post.attempts} attempts: {describe(exc)}"
            return self._end(claimed, Outcome.FAILED, reason, uncertain=uncertain)
        at = self.clock() + timedelta(seconds=self.backoff.delay(post.attempts, exc.retry_after))
        log.info("post %s: %s; trying again at %s", post.id, exc, at.isoformat())
        view = posts(self.ws).retry_later(post.id, claimed.attempt_id, at=at, reason=describe(exc), uncertain=uncertain)
        return PublishOutcome(post.id, Outcome.RETRY, view, describe(exc))

    def _hold(self, claimed: ClaimedPost, exc: NeedsReconnect) -> PublishOutcome:
        post = claimed.post
        reason = f"reconnect {platform_name(post.platform)} ({post.target_name}): {describe(exc)}"
        held = posts(self.ws).hold_account(post.id, claimed.attempt_id, account_id=post.account_id, reason=reason)
        log.warning("post %s: %s; %d post(s) held", post.id, reason, len(held))
        return PublishOutcome(post.id, Outcome.HELD, posts(self.ws).get(post.id), reason)

    def _needs_check(self, claimed: ClaimedPost, reason: str) -> PublishOutcome:
        hint = f"{reason}: look on {platform_name(claimed.post.platform)}, then mark it published or publish it again"
        view = posts(self.ws).needs_check(claimed.post.id, claimed.attempt_id, reason=hint)
        return PublishOutcome(view.id, Outcome.NEEDS_CHECK, view, hint)

    def _end(self, claimed: ClaimedPost, outcome: Outcome, reason: str, *, uncertain: bool) -> PublishOutcome:
        view = posts(self.ws).failed(claimed.post.id, claimed.attempt_id, reason=reason, uncertain=uncertain)
        return PublishOutcome(view.id, outcome, view, reason)

    # -- after a crash -----------------------------------------------------------------

    def recover(self) -> list[PublishOutcome]:
        """Reconcile posts left in ``publishing`` by a process that died, or by an attempt of
        this one whose outcome could not be recorded: ask the platform."""
        outcomes = []
        stale = posts(self.ws).take_over_stale(now=self.clock(), worker=self.ws.worker, lease=self.lease, busy=set(self._busy))
        for claimed in stale:
            self._busy.add(claimed.post.id)
            try:
                outcomes.append(self._reconcile(claimed))
            finally:
                self._busy.discard(claimed.post.id)
        return outcomes

    def _reconcile(self, claimed: ClaimedPost) -> PublishOutcome:
        post = claimed.post
        log.info("post %s was being published when the app stopped; asking %s", post.id, post.platform)
        try:
            publisher = self.publisher(post, claimed.options)
            existing = publisher.find_existing(build_package(self.ws, claimed))
            if existing is not None:
                return self._published(claimed, existing)
            view = posts(self.ws).retry_later(post.id, claimed.attempt_id, at=self.clock(), reason=None, uncertain=False)
            return PublishOutcome(post.id, Outcome.RETRY, view, "not on the platform: it will be published again")
        except ClaimLost as exc:
            return PublishOutcome(post.id, Outcome.LOST, posts(self.ws).get(post.id), str(exc))
        except TransientPublishError as exc:
            at = self.clock() + timedelta(seconds=self.backoff.delay(1, exc.retry_after))
            view = posts(self.ws).retry_later(post.id, claimed.attempt_id, at=at, reason=describe(exc), uncertain=True)
            return PublishOutcome(post.id, Outcome.RETRY, view, describe(exc))
        except CannotKnow as exc:
            return self._needs_check(claimed, f"the app stopped during the upload and {platform_name(post.platform)} cannot tell whether it went out ({exc})")
        except Exception as exc:  # a refusal or a bug while asking: a person must look
            log.warning("post %s: could not reconcile: %s", post.id, exc, exc_info=not isinstance(exc, NexusError))
            return self._needs_check(claimed, f"the app stopped during the upload and asking {platform_name(post.platform)} failed: {describe(exc)}")


def publish_due(ws: Workspace, **options) -> list[PublishOutcome]:
    """``nexus publish-due``: reconcile what a crash left, then publish what is due now."""
    run = Publishing(ws, **options)
    return run.recover() + run.publish_due()


def recover_publishing(ws: Workspace, **options) -> list[PublishOutcome]:
    return Publishing(ws, **options).recover()
