"""Issue 15, left over: a YouTube post is uploaded ahead of its time, private with publishAt, so
YouTube makes it public on time even while the computer sleeps. The publishing scheduler takes
such posts up to ``publish.youtube_upload_ahead_hours`` early (exactly once, on SQLite and
PostgreSQL), never nearer to their time than YouTube's margin, and the post then reads
"Uploaded, goes public at …"."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from nexus_desktop.domain.posts import PostStatus
from nexus_desktop.pipeline import schedule
from nexus_desktop.pipeline.publish import Outcome, Publishing
from nexus_desktop.store import Store
from nexus_desktop.store.post_claims import Ahead
from tests.fakes.accounts_env import accounts, memory_keyring, oauth_fake, platform_store, seed_account  # noqa: F401 (fixtures)
from tests.fakes.youtube_server import FakeYouTube
from tests.publish_support import FakeClock, race_for_claims, rendered_jobs, workspace

WINDOW = {"youtube": Ahead(nearest=timedelta(minutes=15), earliest=timedelta(hours=2))}


def scheduled_posts(ws, media, clock, offsets: dict[str, timedelta]) -> dict[str, int]:
    """One job per name, each scheduled at ``clock.now + offset`` on the target its name starts with."""
    ids = {}
    for n, (name, offset) in enumerate(offsets.items(), start=1):
        ws.settings.schedule.default_targets = ["youtube" if name.startswith("youtube") else "export:youtube"]
        (job_id,) = rendered_jobs(ws.store, ws.paths, media, 1, start=n)
        (post_id,) = schedule.approve_jobs(ws, [job_id], now=clock.now).posts
        schedule.posts(ws).schedule(post_id, clock.now + offset)
        ids[name] = post_id
    return ids


def youtube_target(store: Store) -> None:
    store.targets.add("youtube", "Nexus Test Channel")


def test_only_youtube_posts_inside_the_window_are_taken_early(store, tmp_path, media):
    clock = FakeClock()
    ws = workspace(store, tmp_path)
    youtube_target(store)
    ids = scheduled_posts(ws, media, clock, {
        "youtube in 1 h": timedelta(hours=1), "youtube in 10 min": timedelta(minutes=10),
        "youtube in 3 h": timedelta(hours=3), "export in 1 h": timedelta(hours=1),
    })
    repo = schedule.posts(ws)

    assert repo.claim(now=clock.now, worker="w", lease=60) is None  # nothing is due
    claimed = repo.claim(now=clock.now, worker="w", lease=60, ahead=WINDOW)
    assert claimed is not None and claimed.post.id == ids["youtube in 1 h"]
    assert repo.claim(now=clock.now, worker="w", lease=60, ahead=WINDOW) is None  # 10 min is too near, 3 h too far

    # The scheduler wakes when the next one can be taken: the 10-minute one at its time, the 3-hour one 2 h before.
    assert repo.next_due_at(clock.now, WINDOW) == clock.now + timedelta(minutes=10)
    clock.advance(minutes=10)
    assert repo.claim(now=clock.now, worker="w", lease=60, ahead=WINDOW).post.id == ids["youtube in 10 min"]
    assert repo.next_due_at(clock.now, WINDOW) == clock.now + timedelta(minutes=50)  # 3 h - 10 min - 2 h
    assert repo.next_due_at(clock.now) == clock.now + timedelta(minutes=50)  # the export post, at its time


def test_racing_instances_take_an_early_youtube_post_once(store, tmp_path, media):
    clock = FakeClock()
    ws = workspace(store, tmp_path)
    youtube_target(store)
    ids = scheduled_posts(ws, media, clock, {f"youtube {n}": timedelta(minutes=30 + n) for n in range(3)})
    claims = race_for_claims(store, lambda repo, name: repo.claim(now=clock.now, worker=name, lease=60, ahead=WINDOW),
                             instances=5)
    assert sorted(claims) == sorted(ids.values())
    assert {p.status for p in schedule.posts(ws).list()} == {PostStatus.PUBLISHING}


def test_a_youtube_post_goes_up_early_and_reads_when_it_goes_public(
        platform_store, accounts, oauth_fake, tmp_path, media):
    # The adapter compares the publish time with the real clock, as YouTube does: the test runs on it.
    clock = FakeClock(schedule.utcnow().replace(microsecond=0))
    ws = workspace(platform_store, tmp_path)
    seed_account(accounts, oauth_fake, "youtube", remote_user_id="UCfake-channel", name="Nexus Test Channel")
    with FakeYouTube(oauth_fake) as youtube:
        ws.settings.publish.youtube_base_url = youtube.url
        ids = scheduled_posts(ws, media, clock, {"youtube": timedelta(hours=1, minutes=30)})
        when = clock.now + timedelta(hours=1, minutes=30)
        assert schedule.next_due_at(ws, clock.now) == when - timedelta(hours=2)  # the default: 2 h ahead

        (outcome,) = Publishing(ws, clock=clock).publish_due()

        assert outcome.outcome is Outcome.PUBLISHED
        status = youtube.videos[outcome.post.remote_id]["status"]
        assert status["privacyStatus"] == "private" and status["publishAt"] == f"{when:%Y-%m-%dT%H:%M:%SZ}"
    post = schedule.posts(ws).get(ids["youtube"])
    assert post.status is PostStatus.PUBLISHED and post.public_at == when and post.published_at == when
    assert post.status_text == f"Uploaded, goes public at {when:%Y-%m-%d %H:%M} UTC"
    assert post.to_json()["public_at"] == when.isoformat()
    gone_public = dataclasses.replace(post, public_at=schedule.utcnow() - timedelta(minutes=1))
    assert gone_public.status_text == "Published"  # once its time has passed


def test_uploading_ahead_can_be_switched_off(platform_store, tmp_path, media):
    clock = FakeClock()
    ws = workspace(platform_store, tmp_path)
    youtube_target(platform_store)
    scheduled_posts(ws, media, clock, {"youtube": timedelta(hours=1)})
    ws.settings.publish.youtube_upload_ahead_hours = 0
    assert schedule.upload_ahead(ws.settings) == {}
    assert Publishing(ws, clock=clock).publish_due() == []
    assert schedule.next_due_at(ws, clock.now) == clock.now + timedelta(hours=1)
