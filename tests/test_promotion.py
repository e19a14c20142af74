"""Promotion by results: a rule fires once for a post that beat the creator's median, places the
job on the platforms it has not been on as ordinary scheduled posts, and can be undone before they go."""

from __future__ import annotations

from datetime import timedelta

import pytest

from nexus_desktop.domain.errors import IllegalTransition
from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.domain.posts import PostStatus
from nexus_desktop.pipeline import promotion
from nexus_desktop.pipeline.measure import measure_due
from nexus_desktop.pipeline.publish import Backoff, Outcome, Publishing
from tests.fakes.accounts_env import memory_keyring, oauth_fake  # noqa: F401 (fixtures)
from tests.fakes.metrics_env import metrics_world, publish  # noqa: F401 (fixtures)


def test_a_promotion_rule_fires_once_and_places_posts_on_the_calendar(metrics_world):
    world = metrics_world
    for platform in ("x", "youtube", "linkedin"):
        world.connect(platform)
    jobs = [world.job(title=f"Story {n}") for n in range(6)]
    x_posts = [publish(world, job_id, ("x",))["x"] for job_id in jobs]
    hit = world.ws.store.posts.get(x_posts[2])
    world.figures.engaging[hit.remote_id] = 3.0  # this post's readers engage three times as much

    world.clock.advance(hours=25)
    measure_due(world.ws, clock=world.clock)  # the rule is off by default: nothing is placed
    assert promotion.promotions(world.ws).list() == []

    rule = world.ws.settings.measure.promotion_rules[0]
    rule.enabled = True
    measure_due(world.ws, clock=world.clock)  # the figures are read already; the rule now looks at them
    placed = promotion.promotions(world.ws).list()
    assert sorted(world.ws.store.targets.get(p.target_id).platform for p in placed) == ["linkedin", "youtube"]
    assert all(p.source_post_id == hit.id and "× the median" in p.reason for p in placed), placed
    new_posts = [world.ws.store.posts.get(p.post_id) for p in placed]
    assert all(p.status is PostStatus.SCHEDULED and p.scheduled_at > world.clock() and p.job_id == hit.job_id for p in new_posts)
    assert world.ws.store.jobs.get(hit.job_id).status is JobStatus.SCHEDULED  # back on the calendar until they are out

    world.clock.advance(hours=1)
    measure_due(world.ws, clock=world.clock)
    assert len(promotion.promotions(world.ws).list()) == 2  # exactly once

    youtube_promo = next(p for p in placed if world.ws.store.targets.get(p.target_id).platform == "youtube")
    linkedin_promo = next(p for p in placed if p is not youtube_promo)
    undone = promotion.undo(world.ws, linkedin_promo.id)
    assert undone.status == "undone" and world.ws.store.posts.get(linkedin_promo.post_id) is None
    measure_due(world.ws, clock=world.clock)
    assert {p.status for p in promotion.promotions(world.ws).list()} == {"placed", "undone"}  # undone stays undone

    # The promoted post goes out like any other, and the job is published again.
    world.clock.now = world.ws.store.posts.get(youtube_promo.post_id).scheduled_at + timedelta(minutes=1)
    outcomes = Publishing(world.ws, clock=world.clock, backoff=Backoff(base=0)).publish_due()
    assert [o.outcome for o in outcomes] == [Outcome.PUBLISHED]
    assert world.ws.store.jobs.get(hit.job_id).status is JobStatus.PUBLISHED
    with pytest.raises(IllegalTransition, match="can no longer be undone"):
        promotion.undo(world.ws, youtube_promo.id)
