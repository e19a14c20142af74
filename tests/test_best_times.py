"""Best times from the creator's own results: the defaults until enough posts are measured,
then the hours their audience engages most; ``schedule --auto`` places posts there."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from nexus_desktop.domain.metrics import Figures
from nexus_desktop.pipeline import best_times, schedule
from nexus_desktop.pipeline.measure import metrics
from tests.fakes.accounts_env import memory_keyring, oauth_fake  # noqa: F401 (fixtures)
from tests.fakes.metrics_env import metrics_world  # noqa: F401 (fixtures)

BERLIN = ZoneInfo("Europe/Berlin")


def _published_x_post(world, when: datetime, rate: float) -> int:
    """A post that went out on X at ``when`` (local) and was read 24 h later at ``rate``."""
    ws = world.ws
    job_id = world.job()
    schedule.approve_jobs(ws, [job_id], now=world.clock())
    schedule.choose_targets(ws, job_id, world.target_ids(("x",)))
    (post,) = schedule.posts(ws).for_job(job_id)
    moment = when.astimezone(ZoneInfo("UTC"))
    schedule.posts(ws).schedule(post.id, moment)
    claimed = schedule.posts(ws).claim(now=moment, worker="test", lease=60, post_id=post.id)
    schedule.posts(ws).published(post.id, claimed.attempt_id, remote_id=f"t{post.id}", url="https://x.com/s/1", now=moment)
    metrics(ws).record(post.id, "x", Figures(impressions=10_000, likes=int(10_000 * rate)), at=moment + timedelta(hours=24))
    return post.id


def test_defaults_until_enough_posts_then_the_creators_best_hour(metrics_world):
    world = metrics_world
    world.connect("x")
    (target,) = [t for t in world.ws.store.targets.list() if t.platform == "x"]
    default = schedule.DEFAULT_RULES["x"]
    assert schedule.rules_for(target, world.ws) == default  # no posts: the defaults
    monday = datetime(2026, 11, 2, tzinfo=BERLIN)
    for n in range(11):
        hour = 21 if n % 2 else 9
        _published_x_post(world, monday + timedelta(days=n, hours=hour), 0.06 if hour == 21 else 0.02)
    found = best_times.best_times(world.ws, "x", BERLIN)
    assert found.posts == 11 and not found.learned and schedule.rules_for(target, world.ws) == default  # 11 < 12
    _published_x_post(world, monday + timedelta(days=11, hours=21), 0.06)

    found = best_times.best_times(world.ws, "x", BERLIN)
    assert found.learned and found.hours[0][0] == 21 and 0 < found.confidence < 1
    rules = schedule.rules_for(target, world.ws)
    # 21:00 from the results; 13:00 and 17:00 are the usual times, still ahead of 09:00, which did poorly.
    assert [t.hour for t in rules.times] == [13, 17, 21] and rules.max_per_day == default.max_per_day

    job_id = world.job()  # a new job, placed with schedule --auto, goes out at the creator's best hour
    schedule.approve_jobs(world.ws, [job_id], now=world.clock())
    schedule.choose_targets(world.ws, job_id, [target.id])
    plan = schedule.schedule_all_approved(world.ws, now=world.clock())
    assert [when.astimezone(BERLIN).hour for when in plan.values()] == [13]  # Monday 08:00 now: 09:00 is no longer offered


def test_a_target_with_its_own_rules_keeps_them(metrics_world):
    world = metrics_world
    world.connect("x")
    (target,) = [t for t in world.ws.store.targets.list() if t.platform == "x"]
    world.ws.store.targets.update_config(target.id, rules={"times": ["07:30"], "weekdays": [0, 1, 2, 3, 4]})
    target = world.ws.store.targets.get(target.id)
    assert [t.strftime("%H:%M") for t in schedule.rules_for(target, world.ws).times] == ["07:30"]
