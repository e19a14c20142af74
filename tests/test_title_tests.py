"""Title tests: variants rotate on a live YouTube video, a winner is kept by the stated rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from nexus_desktop.domain.errors import UserFixableError
from nexus_desktop.domain.title_test import Arm, Rule, decide
from nexus_desktop.pipeline import title_tests
from tests.fakes.accounts_env import memory_keyring, oauth_fake  # noqa: F401 (fixtures)
from tests.fakes.metrics_env import metrics_world, publish  # noqa: F401 (fixtures)


def test_the_rule_needs_a_sample_before_it_names_a_winner():
    small = [Arm(hours=2, views=30), Arm(hours=2, views=60)]
    assert decide(small, rounds=2).winner is None  # too few hours and views, however it looks
    clear = [Arm(hours=12, views=300), Arm(hours=12, views=600)]
    assert decide(clear, rounds=3).winner is None  # not at the end of a forwards-and-back pair
    verdict = decide(clear, rounds=4)
    assert verdict.winner == 1 and verdict.measure == "views per hour" and "certainty" in verdict.text
    close = [Arm(hours=12, views=300), Arm(hours=12, views=310)]
    assert decide(close, rounds=4).winner is None
    stalled = decide(close, rounds=Rule().max_rounds)
    assert stalled.winner == 0 and "no clear winner" in stalled.text  # the script's own title is kept
    ctr = decide([Arm(12, 0, 20_000, 400), Arm(12, 0, 20_000, 600)], rounds=4)
    assert ctr.winner == 1 and ctr.measure == "click-through"


def test_a_title_test_on_youtube_rotates_and_keeps_the_winner(metrics_world):
    world = metrics_world
    world.connect("youtube")
    job_id = world.job()
    post_id = publish(world, job_id, ("youtube",))["youtube"]
    post = world.ws.store.posts.get(post_id)
    youtube = world.stand_ins["youtube"]
    variants = title_tests.title_variants(world.ws, post)
    assert variants[0] == post.title and len(variants) == 3  # the YouTube title first, then the script's others
    world.figures.title_boost[variants[2]] = 2.5  # the third title draws viewers better

    test = title_tests.start(world.ws, post_id, now=world.clock())
    assert test.status == "running" and youtube.videos[post.remote_id]["snippet"]["title"] == variants[0]
    shown = []
    for _ in range(20):
        world.clock.advance(hours=6)
        (test,) = title_tests.advance_all(world.ws, clock=world.clock) or [title_tests.tests(world.ws).get(test.id)]
        shown.append(youtube.videos[post.remote_id]["snippet"]["title"])
        if test.status != "running":
            break
    assert test.status == "decided" and test.winner == 2, test.verdict
    # Forwards, then backwards, so no title gains from going up while the video is young.
    assert shown[:5] == [variants[1], variants[2], variants[2], variants[1], variants[0]]
    assert youtube.videos[post.remote_id]["snippet"]["title"] == variants[2]  # the winner stays up
    assert youtube.videos[post.remote_id]["snippet"]["categoryId"]  # the rest of the snippet was kept
    note = title_tests.describe_for_job(world.ws, job_id)
    assert f"kept “{variants[2]}”" in note and "wins with" in note and "views per hour" in note
    world.clock.advance(hours=6)
    assert title_tests.advance_all(world.ws, clock=world.clock) == []  # a decided test is left alone


def test_platforms_that_cannot_edit_a_live_post_are_refused_by_name(metrics_world):
    world = metrics_world
    world.connect("instagram")
    post_id = publish(world, world.job(), ("instagram",))["instagram"]
    with pytest.raises(UserFixableError, match="instagram does not let an app change a live post's title") as raised:
        title_tests.start(world.ws, post_id)
    assert "title tests run on youtube" in str(raised.value)


def test_tests_start_by_themselves_only_when_switched_on(metrics_world):
    world = metrics_world
    world.connect("youtube")
    publish(world, world.job(), ("youtube",))
    assert title_tests.advance_all(world.ws, clock=world.clock) == []  # off by default
    world.ws.settings.measure.title_test_feeds = ["Tech Digest"]
    (test,) = title_tests.advance_all(world.ws, clock=world.clock)
    assert test.status == "running" and world.clock() - timedelta(minutes=1) < test.shown_since


def test_a_thumbnail_test_sets_each_image_on_the_live_video(metrics_world, tmp_path):
    world = metrics_world
    world.connect("youtube")
    post_id = publish(world, world.job(), ("youtube",))["youtube"]
    video = world.ws.store.posts.get(post_id).remote_id
    images = []
    for n, size in enumerate((1000, 2000)):
        path = tmp_path / f"thumb{n}.png"
        path.write_bytes(b"\x89PNG" + bytes(size - 4))
        images.append(str(path))
    test = title_tests.start(world.ws, post_id, kind="thumbnail", variants=images, now=world.clock())
    assert world.stand_ins["youtube"].thumbnails[video] == 1000  # the first image goes up at once
    world.clock.advance(hours=6)
    (test,) = title_tests.advance_all(world.ws, clock=world.clock)
    assert test.current == 1 and world.stand_ins["youtube"].thumbnails[video] == 2000
