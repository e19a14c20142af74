"""Issue 15, left over: what a post cost on X's pay-per-use API was said only in the progress
message. It is now recorded on the post when it goes out and shown wherever the post's details
are: `nexus posts`, `nexus show` and the calendar's tooltip."""

from __future__ import annotations

from datetime import timedelta

from nexus_desktop.cli import main
from nexus_desktop.domain.posts import PostStatus
from nexus_desktop.gui.calendar_chips import describe
from nexus_desktop.paths import AppPaths
from nexus_desktop.pipeline import schedule
from nexus_desktop.pipeline.flow import Workspace
from nexus_desktop.pipeline.publish import Outcome, Publishing
from nexus_desktop.settings import Settings
from nexus_desktop.store import Store
from nexus_desktop.store.database import sqlite_url
from tests.fakes.accounts_env import memory_keyring, oauth_fake, seed_account  # noqa: F401 (fixtures)
from tests.fakes.x_server import FakeX
from tests.publish_support import ZONE, FakeClock, rendered_jobs

COST = "1 post: about $0.020 in X API credits"  # one post and its video, at the current prices


def test_an_x_post_keeps_what_it_cost_and_shows_it(tmp_path, media, memory_keyring, oauth_fake, capsys):
    paths = AppPaths.resolve(tmp_path / "data")
    settings = Settings()
    settings.schedule.timezone = ZONE
    settings.schedule.default_targets = ["x", "export:youtube"]
    store = Store.open(sqlite_url(paths.database))
    ws = Workspace(store=store, settings=settings, paths=paths)
    clock = FakeClock()
    seed_account(store.accounts, oauth_fake, "x", remote_user_id="2244994945", name="@nexus_test",
                 details={"username": "nexus_test"})
    (job_id,) = rendered_jobs(store, paths, media, 1)
    report = schedule.approve_jobs(ws, [job_id], now=clock.now)
    schedule.publish_now(ws, report.posts, now=clock.now)
    with FakeX(oauth_fake) as x:
        settings.publish.x_base_url = x.url
        outcomes = Publishing(ws, clock=clock).publish_due()
    assert sorted(o.outcome for o in outcomes) == [Outcome.PUBLISHED] * 2, [o.message for o in outcomes]
    posts = {p.platform: p for p in schedule.posts(ws).for_job(job_id)}
    tweeted, exported = posts["x"], posts["export"]
    assert tweeted.status is PostStatus.PUBLISHED and tweeted.cost == COST
    assert exported.cost is None  # the export folder costs nothing
    store.close()

    assert main(["--data-dir", str(paths.data), "posts"]) == 0
    listed = capsys.readouterr().out
    assert "COST" in listed and COST in listed
    assert main(["--data-dir", str(paths.data), "show", str(job_id)]) == 0
    shown = capsys.readouterr().out
    assert f"post {tweeted.id} to @nexus_test: Published · https://x.com/nexus_test/status/" in shown and COST in shown
    assert describe(tweeted).splitlines()[-1] == tweeted.cost  # the calendar chip's tooltip


def test_nothing_is_recorded_as_cost_for_a_free_platform(tmp_path, media):
    store = Store.open(sqlite_url(tmp_path / "n.sqlite3"))
    ws = Workspace(store=store, settings=Settings(), paths=AppPaths.resolve(tmp_path / "data"))
    ws.settings.schedule.default_targets = ["export:youtube"]
    clock = FakeClock()
    (job_id,) = rendered_jobs(store, ws.paths, media, 1)
    (post_id,) = schedule.approve_jobs(ws, [job_id], now=clock.now).posts
    schedule.posts(ws).schedule(post_id, clock.now - timedelta(minutes=1))
    (outcome,) = Publishing(ws, clock=clock).publish_due()
    assert outcome.outcome is Outcome.PUBLISHED and outcome.post.cost is None and outcome.post.to_json()["cost"] is None
    store.close()
