"""Posts whose time passed while the app was closed or the computer slept.

At start-up and after a jump in wall-clock time, scheduled posts that were never
tried and are overdue by more than a few minutes are *missed*. Per the setting
``schedule.missed_posts`` they are either left due, so they go out now, or held
for the creator to confirm. Nothing is dropped (a held post keeps its place and
its reason) and nothing is doubled (holding touches only posts never tried, and
publishing still goes through the one atomic claim).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..store.post_records import PostView
from .flow import Workspace
from .schedule import format_local, local_zone, posts, utcnow

log = logging.getLogger(__name__)

# Up to this late a post is simply due (the app was busy or just started), not missed.
GRACE = timedelta(minutes=5)


@dataclass(frozen=True)
class CatchUp:
    """What a catch-up found: the missed posts, and which of them are now held."""

    missed: tuple[PostView, ...]
    held: tuple[int, ...]
    policy: str  # "publish" | "hold"
    why: str = "the app was closed"

    @property
    def publishing(self) -> tuple[int, ...]:
        return tuple(p.id for p in self.missed if p.id not in self.held)


def catch_up(ws: Workspace, *, now: datetime | None = None, policy: str | None = None, why: str = "the app was closed") -> CatchUp:
    """Find missed posts and apply the policy (``schedule.missed_posts`` unless given)."""
    now = now or utcnow()
    policy = policy or ws.settings.schedule.missed_posts
    missed = posts(ws).missed(now, GRACE)
    held: list[int] = []
    if missed and policy == "hold":
        zone = local_zone(ws.settings)
        for post in missed:
            reason = f"missed: it was due {format_local(post.scheduled_at, zone)} while {why}; publish it now or pick a new time"
            held += posts(ws).hold([post.id], reason)
    if missed:
        log.info("%d missed post(s) while %s: %s", len(missed), why, "held for confirmation" if policy == "hold" else "publishing now")
    return CatchUp(tuple(missed), tuple(held), policy, why)


class ClockWatch:
    """Tells a jump in wall-clock time (sleep, hibernation, a clock change) from time that
    simply passed. Monotonic time stops while the computer sleeps and wall-clock time does
    not; and a watch that is checked every ``interval`` seconds and finds a much longer
    gap since its last check was not running in between."""

    def __init__(self, interval: float, *, slack: float = 90.0, wall: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.interval, self.slack = interval, slack
        self.wall, self.monotonic = wall, monotonic
        self._last = (wall(), monotonic())

    def mark(self) -> None:
        """Call when work ends, so time spent working is not taken for a jump."""
        self._last = (self.wall(), self.monotonic())

    def check(self) -> float | None:
        """The size of the jump in seconds since the last mark, or None; then marks."""
        wall, mono = self.wall(), self.monotonic()
        wall_passed, mono_passed = wall - self._last[0], mono - self._last[1]
        self._last = (wall, mono)
        drift = wall_passed - mono_passed
        if abs(drift) > self.slack:
            return drift
        if wall_passed > self.interval + self.slack:
            return wall_passed - self.interval
        return None
