"""Checking feeds by themselves: which feed is due, and for how long to leave it alone. No Qt.

Every active feed is checked each ``harvest.check_every_minutes``. A feed is
left alone longer when it asks for it or keeps failing:

- a failure doubles the wait for each failure in a row (up to a day), so a
  feed that is down is asked less and less often, never hammered;
- a 429/503 ``Retry-After`` is honoured when it is longer than that;
- an RSS ``<ttl>`` longer than the interval is honoured after a success.

The next time each feed may be checked is kept in ``feed_checks.json`` in the
data folder, so a restart neither forgets a backoff nor checks everything at
once. After a sleep or a clock jump every overdue feed is checked once, in one
harvest (the harvest's own concurrency limit applies): a catch-up, not a burst.
A clock set back is noticed too: a wait longer than the longest one possible
is cut short.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..pipeline.harvest import FeedOutcome, HarvestReport, harvest
from ..settings import Settings
from ..store.views import SourceView

log = logging.getLogger(__name__)

STATE_FILE = "feed_checks.json"
MAX_WAIT = timedelta(hours=24)
MAX_DOUBLINGS = 10


MAX_TICK_SECONDS = 60.0


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def check_interval(settings: Settings) -> timedelta | None:
    """The interval between checks, or None when checking by itself is off."""
    minutes = settings.harvest.check_every_minutes
    return timedelta(minutes=minutes) if minutes > 0 else None


def tick_seconds(settings: Settings) -> float:
    """How often to look for due feeds: the interval, but at least once a minute (a wake
    from sleep is noticed soon) and at most once a second."""
    interval = check_interval(settings)
    if interval is None:
        return MAX_TICK_SECONDS
    return max(1.0, min(MAX_TICK_SECONDS, interval.total_seconds()))


@dataclass(frozen=True)
class FeedState:
    failures: int = 0  # in a row
    next_check: datetime | None = None


def wait_after(outcome: FeedOutcome, failures: int, interval: timedelta) -> timedelta:
    """How long to leave a feed alone after this outcome; ``failures`` counts this one."""
    if outcome.error:
        wait = interval * (2 ** min(max(failures - 1, 0), MAX_DOUBLINGS))
        if outcome.retry_after:
            wait = max(wait, timedelta(seconds=outcome.retry_after))
    else:
        wait = max(interval, timedelta(minutes=outcome.ttl_minutes or 0))
    return min(wait, MAX_WAIT)


class FeedChecks:
    """The per-feed check times of one data folder."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / STATE_FILE
        self._lock = threading.Lock()
        self._states: dict[int, FeedState] = self._load()

    def state(self, source_id: int) -> FeedState:
        return self._states.get(source_id, FeedState())

    def due(self, sources: Iterable[SourceView], interval: timedelta, now: datetime) -> list[int]:
        """The active feeds that may be checked now."""
        return [s.id for s in sources if s.active and self._is_due(s, interval, now)]

    def _is_due(self, source: SourceView, interval: timedelta, now: datetime) -> bool:
        state = self._states.get(source.id)
        if state is None or state.next_check is None:  # never checked by the clock: go by the store
            if source.last_checked is None:
                return True
            wait = interval * 2 if source.last_error else interval
            return _aware(source.last_checked) + wait <= now
        if state.next_check - now > MAX_WAIT:  # the clock was set back
            return True
        return state.next_check <= now

    def record(self, report: HarvestReport, interval: timedelta, now: datetime) -> None:
        """Remember when each checked feed may be checked next."""
        with self._lock:
            for outcome in report.outcomes:
                failures = self.state(outcome.source_id).failures + 1 if outcome.error else 0
                wait = wait_after(outcome, failures, interval)
                self._states[outcome.source_id] = FeedState(failures, now + wait)
                if outcome.error:
                    log.info("feed %s failed %d time(s) in a row (%s); next check in %s",
                             outcome.name, failures, outcome.error, _duration(wait))
            self._save()

    def forget_missing(self, known: Iterable[int]) -> None:
        keep = set(known)
        with self._lock:
            if set(self._states) - keep:
                self._states = {k: v for k, v in self._states.items() if k in keep}
                self._save()

    # -- the file ------------------------------------------------------------------------

    def _load(self) -> dict[int, FeedState]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return {int(k): FeedState(int(v["failures"]), _parse(v.get("next_check"))) for k, v in raw.items()}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            # Only timing is lost: every feed is checked at the next tick, once.
            log.warning("cannot read %s (%s); checking every feed afresh", self.path, exc)
            return {}

    def _save(self) -> None:
        data = {str(k): {"failures": v.failures, "next_check": v.next_check.isoformat() if v.next_check else None}
                for k, v in self._states.items()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".feed-checks-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
        os.replace(tmp, self.path)


def check_due_feeds(
    store,
    settings: Settings,
    checks: FeedChecks,
    *,
    clock: Callable[[], datetime] = utcnow,
    progress: Callable[[int, str], None] = lambda p, m: None,
    cancel: threading.Event | None = None,
) -> HarvestReport:
    """Harvest the feeds that are due (none when checking is off); record when each is due next."""
    interval = check_interval(settings)
    if interval is None:
        return HarvestReport(())
    sources = store.sources.list()
    checks.forget_missing(s.id for s in sources)
    due = checks.due(sources, interval, clock())
    if not due:
        return HarvestReport(())
    report = harvest(store, settings, due, progress=progress, cancel=cancel)
    checks.record(report, interval, clock())
    return report


def check_feeds_now(store, settings: Settings, checks: FeedChecks, source_ids: list[int] | None = None,
                    *, clock: Callable[[], datetime] = utcnow, **kwargs) -> HarvestReport:
    """The creator asked (F5, a new feed): check these feeds, or every active one, whatever is due."""
    report = harvest(store, settings, source_ids, **kwargs)
    checks.record(report, check_interval(settings) or timedelta(minutes=30), clock())
    return report


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _parse(text: str | None) -> datetime | None:
    return _aware(datetime.fromisoformat(text)) if text else None


def _duration(wait: timedelta) -> str:
    seconds = int(wait.total_seconds())
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds // 60} min" if seconds >= 120 else f"{seconds} s"
