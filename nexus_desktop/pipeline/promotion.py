"""Promotion by results: rules the creator sets (off by default), e.g. "when a post's
engagement rate at 24 h is at least 2× my median on that platform, post the job to the
platforms it has not been on".

Each promotion is an ordinary scheduled post at the target's next free posting time,
placed exactly once (``store.promotions``), shown on the calendar, and undone before
it goes with ``undo``. Reposting the same video to the same account is not done:
a job has one post per target, and the platforms' repost actions (retweet, LinkedIn
repost) would need write scopes the app does not ask for.
"""

from __future__ import annotations

import logging
import statistics
from datetime import datetime, timedelta

from ..settings import PromotionRule
from ..store.metrics import MetricRepo
from ..store.promotions import PromotionRepo, PromotionView
from ..store.targets import EXPORT, platform_name
from . import schedule
from .flow import Workspace

log = logging.getLogger(__name__)

# Only posts whose reading at the rule's age is recent are judged: switching a rule on
# does not promote last year's hits.
FRESH_FOR = timedelta(days=3)


def promotions(ws: Workspace) -> PromotionRepo:
    return PromotionRepo(ws.store.db)


def _candidates(ws: Workspace, rule: PromotionRule, now: datetime) -> list[tuple[int, str, float, float]]:
    """(post, platform, its rate, the platform's median) for posts that beat the rule."""
    repo, at = MetricRepo(ws.store.db), timedelta(hours=rule.at_hours)
    found = []
    for platform in sorted({p.platform for p in ws.store.posts.list() if p.platform != EXPORT}):
        samples = repo.engagement_rates(platform, at=at)
        if len(samples) < rule.min_posts:
            continue
        median = statistics.median(rate for _post, _published, rate in samples)
        for post_id, published, rate in samples:
            if median > 0 and rate >= rule.factor * median and now - (published + at) <= FRESH_FOR:
                found.append((post_id, platform, rate, median))
    return found


def apply_rules(ws: Workspace, *, now: datetime) -> list[PromotionView]:
    placed = []
    for rule in ws.settings.measure.promotion_rules:
        if rule.enabled:
            placed += _apply(ws, rule, now)
    return placed


def _apply(ws: Workspace, rule: PromotionRule, now: datetime) -> list[PromotionView]:
    repo, placed = promotions(ws), []
    fired = repo.fired(rule.name)
    targets: dict[str, object] = {}  # one target per platform: the default one if several
    for t in sorted(ws.store.targets.list(), key=lambda t: (not t.is_default, t.id)):
        if not t.is_export and t.active and t.account_status == "connected":
            targets.setdefault(t.platform, t)
    zone = schedule.local_zone(ws.settings)
    for post_id, platform, rate, median in _candidates(ws, rule, now):
        post = ws.store.posts.get(post_id)
        been_on = {p.platform for p in ws.store.posts.for_job(post.job_id)}
        for target in (t for p, t in targets.items() if p not in been_on and (post_id, t.id) not in fired):
            text = schedule.drafts_for(ws, post.job_id, [target])[target.id]
            when = schedule.next_free_slot(schedule.rules_for(target, ws), ws.store.posts.taken_times(target.id), now, zone)
            reason = (f"{rule.name}: post {post_id} on {platform_name(platform)} reached {rate:.1%} engagement at "
                      f"{rule.at_hours:g} h, {rate / median:.1f}× the median {median:.1%}")
            made = repo.place(rule.name, post_id, target.id, text, when, reason)
            if made is not None:
                log.info("promotion: %s → %s at %s", reason, target.name, when.isoformat())
                placed.append(made)
    return placed


def undo(ws: Workspace, promotion_id: int) -> PromotionView:
    return promotions(ws).undo(promotion_id)
