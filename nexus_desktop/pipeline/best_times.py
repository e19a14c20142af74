"""Best posting times from the creator's own results.

Each measured post contributes its engagement rate at 24 h (engagements per
impression, or per view) to the weekday and hour it went out, in the creator's
zone. Every weekday and hour starts from a prior: the platform's usual times
(``schedule.DEFAULT_RULES``) count as slightly better than the rest, worth
``PRIOR_POSTS`` posts. A slot's score is the prior and the posts sent then,
averaged (shrinkage): with few posts the defaults decide, with many the
creator's own audience does. Below ``MIN_POSTS`` measured posts the defaults
are kept as they are. ``confidence`` says how much the creator's own posts
weigh against the prior (n / (n + PRIOR_POSTS × slots used)).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import time, timedelta, tzinfo

from ..store.metrics import MetricRepo
from .flow import Workspace

AT = timedelta(hours=24)
PRIOR_POSTS = 4.0
MIN_POSTS = 12
DEFAULT_BONUS = 1.15  # the usual times start a little ahead
FALLBACK_RATE = 0.03  # a typical engagement rate when there are no posts at all


@dataclass(frozen=True)
class Slot:
    weekday: int  # Monday = 0
    hour: int
    score: float  # expected engagement rate
    posts: int


@dataclass(frozen=True)
class BestTimes:
    platform: str
    posts: int
    confidence: float  # 0: the defaults alone; near 1: the creator's own results
    hours: tuple[tuple[int, float, int], ...]  # (hour, score, posts), best first
    weekdays: tuple[tuple[int, float, int], ...]  # (weekday, score, posts), best first
    slots: tuple[Slot, ...]  # every weekday × hour with at least one post, best first
    learned: bool  # enough posts to move the posting times

    def to_json(self) -> dict:
        return {"platform": self.platform, "posts": self.posts, "confidence": round(self.confidence, 3), "learned": self.learned,
                "hours": [{"hour": h, "score": round(s, 5), "posts": n} for h, s, n in self.hours],
                "weekdays": [{"weekday": d, "score": round(s, 5), "posts": n} for d, s, n in self.weekdays]}


def _shrunk(values: list[float], prior: float) -> float:
    return (PRIOR_POSTS * prior + sum(values)) / (PRIOR_POSTS + len(values))


def best_times(ws: Workspace, platform: str, zone: tzinfo) -> BestTimes:
    from .schedule import DEFAULT_RULES, PostingRules

    default = DEFAULT_RULES.get(platform, PostingRules())
    samples = MetricRepo(ws.store.db).engagement_rates(platform, at=AT)
    rates = [rate for _post, _at, rate in samples]
    mean = sum(rates) / len(rates) if rates else FALLBACK_RATE
    by_hour, by_day, by_slot = defaultdict(list), defaultdict(list), defaultdict(list)
    for _post, published, rate in samples:
        local = published.astimezone(zone)
        by_hour[local.hour].append(rate)
        by_day[local.weekday()].append(rate)
        by_slot[(local.weekday(), local.hour)].append(rate)
    usual_hours = {t.hour for t in default.times}
    hour_prior = lambda h: mean * (DEFAULT_BONUS if h in usual_hours else 1.0)  # noqa: E731
    day_prior = lambda d: mean * (DEFAULT_BONUS if d in default.weekdays else 1.0)  # noqa: E731
    hours = sorted(((h, _shrunk(by_hour.get(h, []), hour_prior(h)), len(by_hour.get(h, []))) for h in range(24)),
                   key=lambda x: (-x[1], x[0]))
    days = sorted(((d, _shrunk(by_day.get(d, []), day_prior(d)), len(by_day.get(d, []))) for d in range(7)),
                  key=lambda x: (-x[1], x[0]))
    slots = sorted((Slot(d, h, _shrunk(v, hour_prior(h)), len(v)) for (d, h), v in by_slot.items()), key=lambda s: -s.score)
    confidence = len(rates) / (len(rates) + PRIOR_POSTS * max(1, len(by_hour)))
    return BestTimes(platform, len(rates), confidence, tuple(hours), tuple(days), tuple(slots), len(rates) >= MIN_POSTS)


def learned_rules(ws: Workspace, platform: str, default, zone: tzinfo):
    """The platform's posting rules with times (and weekdays) from the creator's results once
    there are enough; the defaults until then. Only a target without its own rules uses this."""
    found = best_times(ws, platform, zone)
    if not found.learned:
        return default
    chosen: list[int] = []
    for hour, _score, _posts in found.hours:
        if all(abs(hour - other) >= default.min_hours_apart for other in chosen):
            chosen.append(hour)
        if len(chosen) == default.max_per_day:
            break
    weekdays = frozenset(d for d, _s, _n in found.weekdays[: max(len(default.weekdays), 1)])
    return type(default)(weekdays=weekdays, times=tuple(time(h) for h in sorted(chosen)), max_per_day=default.max_per_day,
                         min_hours_apart=default.min_hours_apart)
