"""The measure stage against the stand-ins: a job published to four platforms gains figures at
1 h, 3 h, 6 h, 24 h, 3 d, 7 d and 28 d, then no more; each kind of trouble touches only its post."""

from __future__ import annotations

from datetime import timedelta

import pytest

from nexus_desktop.domain.metrics import SCHEDULE
from nexus_desktop.pipeline.measure import Measuring, Result, metrics
from tests.fakes.accounts_env import memory_keyring, oauth_fake  # noqa: F401 (fixtures)
from tests.fakes.metrics_env import PLATFORMS, metrics_world, publish  # noqa: F401 (fixtures)


def measure(world):
    return {o.post_id: o for o in Measuring(world.ws, world.clock).run()}


def test_a_published_job_gains_figures_on_the_decaying_schedule(metrics_world):
    world = metrics_world
    for platform in PLATFORMS:
        world.connect(platform)
    job_id = world.job()
    posts = publish(world, job_id)
    published = world.clock()
    repo = metrics(world.ws)

    assert measure(world) == {}  # nothing is due in the first hour
    seen = []
    for offset in SCHEDULE:
        world.clock.now = published + offset + timedelta(minutes=2)
        outcomes = measure(world)
        assert sorted(o.platform for o in outcomes.values()) == sorted(PLATFORMS)
        assert all(o.result is Result.RECORDED for o in outcomes.values()), [o.message for o in outcomes.values()]
        seen.append(repo.latest(posts["youtube"]).figures.views)
    world.clock.now = published + timedelta(days=60)
    assert measure(world) == {}  # after 28 days reading stops

    assert seen == sorted(seen) and seen[0] > 0 and seen[-1] > seen[0]  # the curve grows
    for platform, post_id in posts.items():
        readings = repo.series(post_id)
        assert len(readings) == len(SCHEDULE), platform
        assert all(r.source == "api" for r in readings)
    youtube = repo.latest(posts["youtube"]).figures
    assert youtube.views == world.figures.views(world.ws.store.posts.get(posts["youtube"]).remote_id)
    assert youtube.watch_minutes and youtube.avg_view_seconds == 33  # from the Analytics report
    assert repo.latest(posts["instagram"]).figures.reach and repo.latest(posts["instagram"]).figures.saves is not None
    assert repo.latest(posts["x"]).figures.impressions and repo.latest(posts["x"]).figures.clicks is not None
    assert repo.latest(posts["linkedin"]).figures.impressions and repo.latest(posts["linkedin"]).figures.reach
    assert world.stand_ins["youtube"].units_used == len(SCHEDULE)  # one unit per reading, counted
    account = world.ws.store.accounts.get(world.accounts["youtube"])
    assert account.details["project_usage"]["units"] >= 1


def test_a_missed_reading_is_taken_once_not_several_times(metrics_world):
    world = metrics_world
    world.connect("x")
    posts = publish(world, world.job(), ("x",))
    world.clock.advance(hours=30)  # the app was closed over the 1, 3, 6 and 24 h readings
    assert len(measure(world)) == 1
    assert measure(world) == {}
    plan = metrics(world.ws).plan(posts["x"])
    assert plan.step == 4 and plan.next_at == world.ws.store.posts.get(posts["x"]).published_at + SCHEDULE[4]


@pytest.mark.expect_log("answered HTTP", "refused a token request")
def test_trouble_with_one_post_never_stops_the_others(metrics_world):
    world = metrics_world
    for platform in PLATFORMS:
        world.connect(platform, scope="openid profile w_member_social" if platform == "linkedin" else None)  # LinkedIn: no analytics scope
    posts = publish(world, world.job())
    x_id = world.ws.store.posts.get(posts["x"]).remote_id
    world.stand_ins["x"].tweets.pop(x_id)  # deleted on X
    world.stand_ins["instagram"].hourly_calls = 0  # Instagram's hourly limit is used up
    world.clock.advance(hours=1, minutes=1)

    outcomes = measure(world)
    assert outcomes[posts["youtube"]].result is Result.RECORDED
    assert outcomes[posts["x"]].result is Result.GONE and "no longer has this post" in outcomes[posts["x"]].message
    assert outcomes[posts["instagram"]].result is Result.WAITING and "rate limiting" in outcomes[posts["instagram"]].message
    assert outcomes[posts["linkedin"]].result is Result.NO_PERMISSION
    assert "reconnect the account" in outcomes[posts["linkedin"]].message
    repo = metrics(world.ws)
    assert repo.plan(posts["x"]).done and repo.series(posts["x"]) == []
    assert not repo.plan(posts["instagram"]).done and repo.plan(posts["instagram"]).next_at > world.clock()
    assert {p.post_id for p in repo.problems()} == {posts["x"], posts["instagram"], posts["linkedin"]}

    world.stand_ins["instagram"].hourly_calls = 200
    world.clock.advance(hours=1)
    assert measure(world)[posts["instagram"]].result is Result.RECORDED


@pytest.mark.expect_log("answered HTTP 403", "refused a token request")
def test_youtube_quota_running_out_mid_run_waits_for_the_reset_and_keeps_the_rest(metrics_world):
    world = metrics_world
    world.connect("youtube")
    world.connect("x")
    first = publish(world, world.job())
    second = publish(world, world.job(title="Second story"), ("youtube", "x"))
    world.stand_ins["youtube"].daily_units = 1  # the project's quota runs out after one read
    world.clock.advance(hours=1, minutes=1)
    outcomes = measure(world)
    youtube = sorted([first["youtube"], second["youtube"]])
    assert outcomes[youtube[0]].result is Result.RECORDED
    assert outcomes[youtube[1]].result is Result.WAITING and "quota" in outcomes[youtube[1]].message
    assert outcomes[first["x"]].result is outcomes[second["x"]].result is Result.RECORDED
    assert metrics(world.ws).plan(youtube[1]).next_at > world.clock() + timedelta(minutes=30)  # after midnight Pacific


def test_figures_that_go_down_are_kept_as_a_new_reading(metrics_world):
    world = metrics_world
    world.connect("youtube")
    posts = publish(world, world.job(), ("youtube",))
    video = world.ws.store.posts.get(posts["youtube"]).remote_id
    world.clock.advance(hours=1, minutes=1)
    measure(world)
    world.figures.corrected[video] = 0.9  # YouTube removed spam views
    world.clock.advance(hours=2)
    outcome = measure(world)[posts["youtube"]]
    assert outcome.result is Result.RECORDED and "views" in outcome.message and "went down" in outcome.message
    first, second = metrics(world.ws).series(posts["youtube"])
    assert second.figures.views < first.figures.views  # both readings kept, nothing overwritten


def test_revoked_analytics_permission_still_records_youtube_statistics(metrics_world):
    world = metrics_world
    world.connect("youtube", scope="https://www.googleapis.com/auth/youtube.upload")
    posts = publish(world, world.job(), ("youtube",))
    world.clock.advance(hours=1, minutes=1)
    outcome = measure(world)[posts["youtube"]]
    assert outcome.result is Result.RECORDED and "reconnect" in outcome.message
    assert outcome.figures.views and outcome.figures.watch_minutes is None


@pytest.mark.expect_log("refused a token request")
def test_an_expired_sign_in_holds_that_account_only(metrics_world):
    world = metrics_world
    world.connect("youtube")
    world.connect("x")
    posts = publish(world, world.job(), ("youtube", "x"))
    world.oauth.expire_all()
    world.oauth.revoke_refresh_tokens()
    world.connect("x")  # X was reconnected since; YouTube was not
    world.clock.advance(hours=1, minutes=1)
    outcomes = measure(world)
    assert outcomes[posts["youtube"]].result is Result.RECONNECT
    assert outcomes[posts["x"]].result is Result.RECORDED
