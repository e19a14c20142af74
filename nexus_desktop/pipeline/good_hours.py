"""The hours of the week each platform is best posted to, for the calendar to shade.

They are the hours ``schedule --auto`` places posts at: for every target that
approvals go to (``schedule.default_targets``, else the export folder), the
target's own posting times if the creator set some, else the times learned from
the creator's measured posts on that platform (``best_times``) once there are
enough, else the platform's usual times. Hours are local, in the creator's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from ..store.targets import platform_name
from . import schedule as scheduling
from .best_times import MIN_POSTS, best_times
from .flow import Workspace


@dataclass(frozen=True)
class GoodHours:
    platform: str  # the platform style ("youtube"), also for an export folder target
    hours: frozenset[tuple[int, int]]  # (weekday with Monday = 0, hour), local
    basis: str  # where the hours come from, in words

    @property
    def name(self) -> str:
        return platform_name(self.platform)

    def covers(self, weekday: int, hour: int) -> bool:
        return (weekday, hour) in self.hours


def _basis(ws: Workspace, platform: str, own_rules: bool, zone: tzinfo) -> str:
    if own_rules:
        return "the posting times you set"
    found = best_times(ws, platform, zone)
    if found.learned:
        return f"learned from {found.posts} of your measured posts"
    return f"the usual times for {platform_name(platform)}; yours take over after {MIN_POSTS} measured posts"


def good_hours(ws: Workspace, zone: tzinfo) -> tuple[GoodHours, ...]:
    """One entry per platform the creator posts to, in the order of their targets."""
    by_platform: dict[str, set[tuple[int, int]]] = {}
    own: dict[str, bool] = {}
    for target in scheduling.default_targets(ws):
        rules = scheduling.rules_for(target, ws)
        hours = by_platform.setdefault(target.style, set())
        hours.update((day, t.hour) for day in rules.weekdays for t in rules.times)
        own[target.style] = own.get(target.style, False) or bool(target.rules)
    return tuple(GoodHours(p, frozenset(h), _basis(ws, p, own[p], zone)) for p, h in by_platform.items() if h)
