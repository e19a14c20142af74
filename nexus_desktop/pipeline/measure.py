"""The measure stage: read each published post's figures on a decaying schedule.

After a post is published it gets a reading plan (1 h, 3 h, 6 h, 24 h, 3 d, 7 d,
28 d, then stop; ``domain.metrics.SCHEDULE``). ``measure_due`` reads every post
whose reading is due through its platform's ``MetricsReader`` and appends the
figures to the post's time series. One post's trouble never stops the others:

- the post was deleted (404, or the platform says so): its plan stops, its
  earlier figures stay;
- the permission to read figures is missing or was revoked: the post waits a
  day and the creator is told to reconnect;
- a quota or rate limit is reached mid-run: the posts of that account wait for
  the reset; the other accounts go on;
- figures that went down (platforms remove spam) are stored as they are, as a
  new reading, and logged;
- a post still being published is not read until it is out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from ..domain.errors import NexusError
from ..domain.metrics import Figures, label
from ..domain.posts import PostStatus
from ..providers.platforms.base import NeedsReconnect, TransientPublishError
from ..providers.platforms.metrics import MetricsReader, MissingScope, NotMeasurable, PostGone, create_reader
from ..providers.platforms.registry import PublisherSetup
from ..store.metrics import DueReading, MetricRepo
from .flow import Workspace
from .schedule import utcnow

log = logging.getLogger(__name__)

PERMISSION_WAIT = timedelta(hours=24)
DEFAULT_WAIT = timedelta(minutes=15)
BUG_WAIT = timedelta(hours=1)
MAX_FAILURES = 8


class Result(StrEnum):
    RECORDED = "recorded"
    GONE = "gone"  # deleted on the platform: no more readings
    WAITING = "waiting"  # quota, rate limit, network: read again later
    NO_PERMISSION = "no_permission"
    RECONNECT = "reconnect"
    NOT_YET = "not_yet"  # still being published
    FAILED = "failed"


@dataclass(frozen=True)
class MeasureOutcome:
    post_id: int
    platform: str
    result: Result
    message: str = ""
    figures: Figures | None = None
    step: str = ""  # which reading: "1 h", "24 h"...

    def to_json(self) -> dict:
        return {"post_id": self.post_id, "platform": self.platform, "result": self.result.value, "reading": self.step,
                "message": self.message, "figures": self.figures.to_json() if self.figures else None}


def metrics(ws: Workspace) -> MetricRepo:
    return MetricRepo(ws.store.db)


@dataclass
class Measuring:
    """One measuring run: its clock, and one reader per target."""

    ws: Workspace
    clock: Callable[[], datetime] = utcnow
    _readers: dict[int, MetricsReader] = field(default_factory=dict, repr=False)
    _blocked: dict[int, str] = field(default_factory=dict, repr=False)  # account → why it waits this run

    def reader(self, due: DueReading) -> MetricsReader:
        if due.target_id not in self._readers:
            setup = PublisherSetup(self.ws.settings, self.ws.paths, due.account_id, due.target_name, dict(due.options),
                                   accounts=self.ws.store.accounts)
            self._readers[due.target_id] = create_reader(due.platform, setup)
        return self._readers[due.target_id]

    def run(self, *, post_ids: set[int] | None = None, stop=None) -> list[MeasureOutcome]:
        """Read every due post (or only ``post_ids``, due or not)."""
        repo, now = metrics(self.ws), self.clock()
        repo.plan_published(now)
        due = repo.due(now if post_ids is None else now + timedelta(days=3650))
        outcomes = []
        for item in due:
            if post_ids is not None and item.post_id not in post_ids:
                continue
            if stop is not None and stop.is_set():
                break
            outcomes.append(self.read(item))
        return outcomes

    def read(self, due: DueReading) -> MeasureOutcome:
        repo, now, step = metrics(self.ws), self.clock(), label(due.step)
        done = lambda result, message="", figures=None: MeasureOutcome(due.post_id, due.platform, result, message, figures, step)  # noqa: E731
        if due.status is not PostStatus.PUBLISHED:
            return done(Result.NOT_YET, "still being published; it is measured once it is out")
        if due.account_id in self._blocked:
            repo.postpone(due.post_id, now + DEFAULT_WAIT, self._blocked[due.account_id])
            return done(Result.WAITING, self._blocked[due.account_id])
        try:
            if not due.remote_id:
                raise PostGone("the platform gave this post no id", hint="type its figures in or import a CSV")
            options = {**due.options, "published_at": due.published_at.isoformat()}
            figures = self.reader(due).read(due.remote_id, options)
        except (PostGone, NotMeasurable) as exc:
            repo.stop(due.post_id, str(exc))
            log.info("post %s: %s; no more readings", due.post_id, exc)
            return done(Result.GONE, str(exc))
        except MissingScope as exc:
            repo.postpone(due.post_id, now + PERMISSION_WAIT, str(exc))
            return done(Result.NO_PERMISSION, str(exc))
        except NeedsReconnect as exc:
            return self._block(due, now + PERMISSION_WAIT, str(exc), Result.RECONNECT, step)
        except TransientPublishError as exc:
            wait = timedelta(seconds=exc.retry_after) if exc.retry_after else DEFAULT_WAIT
            return self._block(due, now + wait, str(exc), Result.WAITING, step)
        except Exception as exc:  # a bug in one reader must not stop the others
            log.exception("post %s: reading its figures from %s crashed", due.post_id, due.platform)
            message = str(exc) if isinstance(exc, NexusError) else f"{type(exc).__name__}: {exc}"
            plan = repo.plan(due.post_id)
            if plan is not None and plan.failures + 1 >= MAX_FAILURES:
                repo.stop(due.post_id, f"gave up after {MAX_FAILURES} failed readings: {message}")
            else:
                repo.postpone(due.post_id, now + BUG_WAIT, message)
            return done(Result.FAILED, message)
        return self._store(due, figures, now, done)

    def _store(self, due: DueReading, figures: Figures, now: datetime, done) -> MeasureOutcome:
        repo = metrics(self.ws)
        earlier = repo.latest(due.post_id)
        message = ""
        if earlier is not None and (lower := figures.lower_than(earlier.figures)):
            message = f"{', '.join(lower)} went down since the last reading (the platform corrected its counts)"
            log.info("post %s on %s: %s", due.post_id, due.platform, message)
        repo.record(due.post_id, due.platform, figures, at=now)
        repo.advance(due.post_id, now)
        return done(Result.RECORDED, message or str(figures.extra.get("note") or ""), figures)

    def _block(self, due: DueReading, until: datetime, reason: str, result: Result, step: str) -> MeasureOutcome:
        """The account cannot be read now (quota, rate limit, sign-in): its other posts wait too."""
        if due.account_id is not None:
            self._blocked[due.account_id] = reason
        metrics(self.ws).postpone(due.post_id, until, reason)
        log.info("post %s on %s: %s; reading again at %s", due.post_id, due.platform, reason, until.isoformat())
        return MeasureOutcome(due.post_id, due.platform, result, reason, None, step)


def measure_due(ws: Workspace, *, clock: Callable[[], datetime] = utcnow, post_ids: set[int] | None = None,
                stop=None) -> list[MeasureOutcome]:
    """``nexus measure``: read the figures that are due now (or of the given posts), then let
    the title tests and the promotion rules look at them."""
    outcomes = Measuring(ws, clock).run(post_ids=post_ids, stop=stop)
    from . import promotion, title_tests  # they build on the figures just read

    for step, work in (("title tests", lambda: title_tests.advance_all(ws, clock=clock)),
                       ("promotion rules", lambda: promotion.apply_rules(ws, now=clock()))):
        try:
            work()
        except Exception:  # figures are stored; a fault here must not lose them or stop the next run
            log.exception("measuring: the %s failed", step)
    return outcomes


LOOP_IDLE_SECONDS = 300.0


def measure_loop(ws: Workspace, stop, *, clock: Callable[[], datetime] = utcnow, idle: float = LOOP_IDLE_SECONDS) -> None:
    """``nexus daemon``'s measuring thread: read what is due, then sleep until the next
    reading (at most ``idle`` seconds, so posts published meanwhile are planned)."""
    while not stop.is_set():
        if ws.settings.measure.enabled:
            try:
                measure_due(ws, clock=clock, stop=stop)
            except Exception:
                log.exception("measuring failed; trying again in %.0f s", idle)
        next_at = metrics(ws).next_due_at()
        wait = idle if next_at is None else max(1.0, min(idle, (next_at - clock()).total_seconds()))
        stop.wait(wait)
