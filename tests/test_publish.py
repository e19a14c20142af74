"""Publishing exactly once: the export folder, retries, refusals, holds, crash recovery and
the claim two app instances race for. Fake clock and zero or injected backoff: no test waits."""

from __future__ import annotations

import errno
import json
import re
import os
import random
import socket
from datetime import timedelta

import pytest

from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.domain.posts import PostStatus
from nexus_desktop.pipeline import schedule
from nexus_desktop.pipeline.publish import Backoff, Outcome, Publishing
from nexus_desktop.providers.platforms import registry
from nexus_desktop.providers.platforms.base import CannotKnow, NeedsReconnect, PublishError, PublishResult
from nexus_desktop.providers.platforms.export_folder import ExportFolderPublisher
from nexus_desktop.store.models import Account, Post
from tests.fakes import flaky_target
from tests.fakes.flaky_target import FaultPlan, FlakyTarget
from tests.publish_support import FakeClock, dead_worker, race_for_claims, rendered_jobs, workspace


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def flaky():
    flaky_target.register()
    yield
    registry.unregister(flaky_target.PLATFORM)


def due_posts(ws, media, clock, count=1, *, targets=("export:youtube",)) -> list[int]:
    """Approved jobs whose posts are due now."""
    ws.settings.schedule.default_targets = list(targets)
    jobs = rendered_jobs(ws.store, ws.paths, media, count)
    report = schedule.approve_jobs(ws, jobs, now=clock.now)
    schedule.publish_now(ws, report.posts, now=clock.now)
    return list(report.posts)


def flaky_posts(ws, media, clock, server, count=1, timeout=0.5) -> list[int]:
    schedule.targets(ws).add("flaky", "Flaky target", config={"base_url": server.url, "timeout": timeout})
    return due_posts(ws, media, clock, count, targets=("flaky",))


# -- the export folder -----------------------------------------------------------------------


def test_a_due_post_is_exported_once_as_a_finished_folder(sqlite_store, tmp_path, media, clock):
    ws = workspace(sqlite_store, tmp_path)
    (post_id,) = due_posts(ws, media, clock)
    outcomes = Publishing(ws, clock=clock).publish_due()
    assert [o.outcome for o in outcomes] == [Outcome.PUBLISHED]
    (folder,) = ws.paths.exports.iterdir()
    # local time in Berlin, the YouTube title, the post's id and the start of its uid
    assert re.fullmatch(r"2026-11-23 0800 YT 1 \(post 1-[0-9a-f]{12}\)", folder.name), folder.name
    assert sorted(p.name for p in folder.iterdir()) == ["captions.srt", "captions.vtt", "post.json", "post.txt",
                                                          "thumbnail.png", "video-16x9.mp4"]
    data = json.loads((folder / "post.json").read_text())
    assert data["title"] == "YT 1" and data["text"] == "YT description 1" and data["hashtags"] == ["#battery", "#science"]
    assert "Hashtags: #battery #science" in (folder / "post.txt").read_text()
    assert (folder / "video-16x9.mp4").read_bytes() == media["video"].read_bytes()
    post = schedule.posts(ws).get(post_id)
    assert post.status is PostStatus.PUBLISHED and post.url == folder.as_uri() and post.attempts == 1
    assert sqlite_store.jobs.get(post.job_id).status is JobStatus.PUBLISHED
    assert Publishing(ws, clock=clock).publish_due() == []


def test_each_platform_style_gets_its_format(sqlite_store, tmp_path, media, clock):
    ws = workspace(sqlite_store, tmp_path)
    due_posts(ws, media, clock, targets=("export",))
    Publishing(ws, clock=clock).publish_due()
    videos = sorted(f.name for d in ws.paths.exports.iterdir() for f in d.glob("video-*"))
    # 16:9 for YouTube, X, Bluesky, Mastodon; 1:1 for LinkedIn; 9:16 for Instagram, TikTok, Facebook, Threads
    assert videos == ["video-16x9.mp4"] * 4 + ["video-1x1.mp4"] + ["video-9x16.mp4"] * 4


def test_a_post_that_is_not_due_waits(sqlite_store, tmp_path, media, clock):
    ws = workspace(sqlite_store, tmp_path, default_targets=["export:youtube"])
    (job,) = rendered_jobs(sqlite_store, ws.paths, media, 1)
    report = schedule.approve_jobs(ws, [job], now=clock.now, place=True)
    (when,) = report.times.values()
    assert Publishing(ws, clock=clock).publish_due() == []
    clock.now = when
    assert [o.outcome for o in Publishing(ws, clock=clock).publish_due()] == [Outcome.PUBLISHED]


@pytest.mark.expect_log("is full")
def test_a_full_disk_fails_the_post_with_a_reason_and_leaves_nothing_half_written(sqlite_store, tmp_path, media, clock, monkeypatch):
    ws = workspace(sqlite_store, tmp_path)
    (post_id,) = due_posts(ws, media, clock)
    real_write = os.write
    written = [0]

    def write(fd, data):
        if fd > 2 and written[0] > 2000:
            raise OSError(errno.ENOSPC, "No space left on device")
        written[0] += len(data)
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    (outcome,) = Publishing(ws, clock=clock).publish_due()
    monkeypatch.undo()
    post = schedule.posts(ws).get(post_id)
    assert outcome.outcome is Outcome.FAILED and post.status is PostStatus.FAILED
    assert "disk of the export folder" in post.error and "is full" in post.error and "publish.export_folder" in post.error
    assert list(ws.paths.exports.iterdir()) == []
    schedule.publish_now(ws, [post_id], now=clock.now)  # space freed: try again
    assert [o.outcome for o in Publishing(ws, clock=clock).publish_due()] == [Outcome.PUBLISHED]
    assert len(list(ws.paths.exports.iterdir())) == 1


@pytest.mark.expect_log("is full")
def test_too_little_free_space_is_caught_before_copying(sqlite_store, tmp_path, media, clock, monkeypatch):
    import shutil

    ws = workspace(sqlite_store, tmp_path)
    (post_id,) = due_posts(ws, media, clock)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 100, 100))
    Publishing(ws, clock=clock).publish_due()
    assert schedule.posts(ws).get(post_id).status_text.startswith("Failed: the disk of the export folder")


# -- retries --------------------------------------------------------------------------------------


def test_500_three_times_then_200_publishes_once_with_growing_delays(sqlite_store, tmp_path, media, clock, flaky):
    ws = workspace(sqlite_store, tmp_path)
    with FlakyTarget(FaultPlan(scripts={1: ["500", "500", "500", "ok"]})) as server:
        (post_id,) = flaky_posts(ws, media, clock, server)
        run = Publishing(ws, clock=clock, backoff=Backoff(base=10, rng=random.Random(7)))
        delays = []
        for _ in range(3):
            start = clock.now
            (outcome,) = run.publish_due()
            assert outcome.outcome is Outcome.RETRY and "answered 500" in outcome.post.error
            assert run.publish_due() == []  # not due again yet
            delays.append((outcome.post.next_attempt_at - start).total_seconds())
            clock.now = outcome.post.next_attempt_at
        (outcome,) = run.publish_due()
        assert outcome.outcome is Outcome.PUBLISHED
        assert 5 <= delays[0] <= 10 and 10 <= delays[1] <= 20 and 20 <= delays[2] <= 40
        post = schedule.posts(ws).get(post_id)
        assert post.attempts == 4 and post.error is None and post.status is PostStatus.PUBLISHED
        assert server.counts == {post_id: 1} and server.violations == []


def test_retry_after_is_honoured(sqlite_store, tmp_path, media, clock, flaky):
    ws = workspace(sqlite_store, tmp_path)
    with FlakyTarget(FaultPlan(scripts={1: ["429"]}), retry_after="600") as server:
        flaky_posts(ws, media, clock, server)
        (outcome,) = Publishing(ws, clock=clock, backoff=Backoff(base=1)).publish_due()
        assert outcome.post.next_attempt_at == clock.now + timedelta(seconds=600)


def test_the_network_dropping_after_the_upload_arrived_does_not_upload_again(sqlite_store, tmp_path, media, clock, flaky):
    ws = workspace(sqlite_store, tmp_path)
    with FlakyTarget(FaultPlan(scripts={1: ["reset_after"], 2: ["timeout_after"], 3: ["reset_before"]}), slow=1) as server:
        ids = flaky_posts(ws, media, clock, server, count=3, timeout=0.2)
        run = Publishing(ws, clock=clock, backoff=Backoff(base=0))
        first = {o.post_id: o.outcome for o in run.publish_due()}
        assert set(first.values()) == {Outcome.PUBLISHED}  # each retried at once (zero backoff)
        assert server.counts == {i: 1 for i in ids}
        assert server.requests["upload"] == 4  # the reset before the upload is the only one sent again
        assert all(p.status is PostStatus.PUBLISHED for p in schedule.posts(ws).list())


def test_giving_up_after_the_last_attempt_fails_with_the_reason(sqlite_store, tmp_path, media, clock, flaky):
    ws = workspace(sqlite_store, tmp_path)
    with FlakyTarget(FaultPlan(upload_faults={"500": 1.0})) as server:
        (post_id,) = flaky_posts(ws, media, clock, server)
        outcomes = Publishing(ws, clock=clock, backoff=Backoff(base=0, max_attempts=3)).publish_due()
        assert [o.outcome for o in outcomes] == [Outcome.RETRY, Outcome.RETRY, Outcome.FAILED]
        assert schedule.posts(ws).get(post_id).error == "gave up after 3 attempts: the target answered 500"


# -- refusals and accounts ----------------------------------------------------------------------------


class Scripted:
    """A publisher whose calls do what the test says."""

    platform = "scripted"

    def __init__(self, publish=None, find=None) -> None:
        self.publish_calls, self._publish, self._find = 0, publish, find

    def preflight(self, package):
        return []

    def publish(self, package, progress, save_state):
        self.publish_calls += 1
        save_state({"session": "abc"})
        if isinstance(self._publish, BaseException):
            raise self._publish
        return PublishResult(f"r{package.post_id}", f"https://scripted/{package.post_id}")

    def find_existing(self, package):
        if isinstance(self._find, BaseException):
            raise self._find
        return self._find

    def refresh_credentials(self):
        pass


@pytest.fixture
def scripted():
    made = {}

    def use(**behaviour) -> Scripted:
        made["publisher"] = Scripted(**behaviour)
        registry.register("scripted", lambda setup: made["publisher"])
        return made["publisher"]

    yield use
    registry.unregister("scripted")


@pytest.mark.expect_log("refused it")
def test_a_refusal_fails_at_once_with_what_to_fix(sqlite_store, tmp_path, media, clock, scripted):
    ws = workspace(sqlite_store, tmp_path)
    publisher = scripted(publish=PublishError("the title is longer than 100 characters", hint="shorten it"))
    schedule.targets(ws).add("scripted", "Scripted")
    (post_id,) = due_posts(ws, media, clock, targets=("scripted",))
    (outcome,) = Publishing(ws, clock=clock, backoff=Backoff(base=0)).publish_due()
    assert outcome.outcome is Outcome.FAILED and publisher.publish_calls == 1
    assert schedule.posts(ws).get(post_id).status_text == "Failed: the title is longer than 100 characters — shorten it"


@pytest.mark.expect_log("reconnect")
def test_an_account_that_needs_reconnecting_holds_its_posts(sqlite_store, tmp_path, media, clock, scripted):
    ws = workspace(sqlite_store, tmp_path)
    scripted(publish=NeedsReconnect("the refresh token was revoked"))
    with sqlite_store.db.write() as session:
        session.add(Account(id=7, platform="scripted", name="My channel"))
    schedule.targets(ws).add("scripted", "My channel", account_id=7)
    ids = due_posts(ws, media, clock, count=3, targets=("scripted",))
    later = schedule.posts(ws).schedule(ids[2], clock.now + timedelta(days=2))
    (outcome,) = Publishing(ws, clock=clock).publish_due()
    assert outcome.outcome is Outcome.HELD
    posts = {p.id: p for p in schedule.posts(ws).list()}
    assert all(posts[i].status is PostStatus.HELD for i in ids)
    assert posts[later.id].error.startswith("reconnect Scripted (My channel): the refresh token was revoked")
    assert schedule.posts(ws).release_account(7) == ids
    assert {p.status for p in schedule.posts(ws).list()} == {PostStatus.SCHEDULED}


@pytest.mark.expect_log("crashed")
def test_a_bug_in_an_adapter_fails_the_post_and_keeps_it_uncertain(sqlite_store, tmp_path, media, clock, scripted):
    ws = workspace(sqlite_store, tmp_path)
    scripted(publish=KeyError("oops"), find=None)
    schedule.targets(ws).add("scripted", "Scripted")
    (post_id,) = due_posts(ws, media, clock, targets=("scripted",))
    Publishing(ws, clock=clock).publish_due()
    post = schedule.posts(ws).get(post_id)
    assert post.status is PostStatus.FAILED and "unexpected error while publishing: KeyError" in post.error
    assert post.uncertain  # it may have gone out: the next attempt asks first


# -- crash recovery -----------------------------------------------------------------------------------


def crashed_mid_publish(ws, post_id, worker):
    """What a kill -9 during the upload leaves: the post in publishing, held by a dead process."""
    with ws.store.db.write() as session:
        post = session.get(Post, post_id)
        post.status, post.attempt_id, post.attempts = "publishing", "dead-attempt", 1
        post.claimed_by = worker
        post.claim_expires_at = post.scheduled_at + timedelta(hours=1)


def test_after_a_crash_a_finished_export_is_recognised(sqlite_store, tmp_path, media, clock):
    ws = workspace(sqlite_store, tmp_path)
    (post_id,) = due_posts(ws, media, clock)
    Publishing(ws, clock=clock).publish_due()
    with ws.store.db.write() as session:  # the folder was renamed, then the process died
        post = session.get(Post, post_id)
        post.status, post.url, post.published_at = "publishing", None, None
    crashed_mid_publish(ws, post_id, dead_worker())
    (outcome,) = Publishing(ws, clock=clock).recover()
    assert outcome.outcome is Outcome.PUBLISHED and len(list(ws.paths.exports.iterdir())) == 1


def test_after_a_crash_a_half_written_export_is_written_again_once(sqlite_store, tmp_path, media, clock):
    ws = workspace(sqlite_store, tmp_path)
    (post_id,) = due_posts(ws, media, clock)
    crashed_mid_publish(ws, post_id, dead_worker())
    partial = ws.paths.exports / f".partial-{post_id}-dead-attempt"
    partial.mkdir(parents=True)
    (partial / "video-16x9.mp4").write_bytes(b"half")
    run = Publishing(ws, clock=clock)
    assert [o.outcome for o in run.recover()] == [Outcome.RETRY]
    assert [o.outcome for o in run.publish_due()] == [Outcome.PUBLISHED]
    (folder,) = ws.paths.exports.iterdir()
    assert folder.name.startswith("2026-11-23 0800 YT 1 (post 1-")


def test_a_live_claim_of_another_instance_is_left_alone(sqlite_store, tmp_path, media, clock):
    ws = workspace(sqlite_store, tmp_path)
    (post_id,) = due_posts(ws, media, clock)
    crashed_mid_publish(ws, post_id, f"{socket.gethostname()}:{os.getpid()}")  # this process: alive
    ws.worker = "another-instance"
    assert Publishing(ws, clock=clock).recover() == []
    clock.advance(hours=2)  # its claim expired without a heartbeat: it is taken over
    assert [o.outcome for o in Publishing(ws, clock=clock).recover()] == [Outcome.RETRY]


def test_when_the_platform_cannot_tell_the_post_needs_checking(sqlite_store, tmp_path, media, clock, scripted):
    ws = workspace(sqlite_store, tmp_path)
    publisher = scripted(find=CannotKnow("X keeps no upload ids"))
    schedule.targets(ws).add("scripted", "Scripted")
    (post_id,) = due_posts(ws, media, clock, targets=("scripted",))
    crashed_mid_publish(ws, post_id, dead_worker())
    (outcome,) = Publishing(ws, clock=clock).recover()
    post = schedule.posts(ws).get(post_id)
    assert outcome.outcome is Outcome.NEEDS_CHECK and post.status is PostStatus.NEEDS_CHECK
    assert "cannot tell whether it went out" in post.error and "mark it published or publish it again" in post.error
    assert Publishing(ws, clock=clock).publish_due() == [] and publisher.publish_calls == 0
    schedule.publish_now(ws, [post_id], now=clock.now)  # the creator looked: it is not there
    assert [o.outcome for o in Publishing(ws, clock=clock).publish_due()] == [Outcome.PUBLISHED]
    assert publisher.publish_calls == 1


def test_a_post_that_needs_checking_can_be_marked_published_by_hand(sqlite_store, tmp_path, media, clock, scripted):
    ws = workspace(sqlite_store, tmp_path)
    scripted(find=CannotKnow("no ids"))
    schedule.targets(ws).add("scripted", "Scripted")
    (post_id,) = due_posts(ws, media, clock, targets=("scripted",))
    crashed_mid_publish(ws, post_id, dead_worker())
    Publishing(ws, clock=clock).recover()
    post = schedule.posts(ws).mark_published_by_hand(post_id, "https://x.com/me/1", clock.now)
    assert post.status is PostStatus.PUBLISHED and sqlite_store.jobs.get(post.job_id).status is JobStatus.PUBLISHED


# -- two instances -----------------------------------------------------------------------------------


def test_two_instances_racing_for_a_post_claim_it_once(store, tmp_path, media, clock):
    ws = workspace(store, tmp_path)
    ids = due_posts(ws, media, clock, count=3)
    claims = race_for_claims(store, lambda repo, name: repo.claim(now=clock.now, worker=name, lease=60))
    assert sorted(claims) == sorted(ids)
    assert {p.status for p in schedule.posts(ws).list()} == {PostStatus.PUBLISHING}


def test_an_export_target_needs_no_account():
    publisher = ExportFolderPublisher(folder=__import__("pathlib").Path("/nonexistent"))
    publisher.refresh_credentials()
    assert "export" in registry.known_platforms()


def test_an_attempt_of_this_instance_that_could_not_be_recorded_is_reconciled(sqlite_store, tmp_path, media, clock):
    ws = workspace(sqlite_store, tmp_path)
    (post_id,) = due_posts(ws, media, clock)
    run = Publishing(ws, clock=clock)
    claimed = schedule.posts(ws).claim(now=clock.now, worker=ws.worker, lease=120)
    run._busy.add(post_id)
    assert run.recover() == []  # while this session works on it, nobody touches it
    run._busy.clear()  # the attempt ended without its outcome reaching the store (a database error)
    assert claimed.post.id == post_id and [o.outcome for o in run.recover()] == [Outcome.RETRY]
    assert [o.outcome for o in run.publish_due()] == [Outcome.PUBLISHED]


def test_a_job_rejected_by_another_path_sends_nothing_and_a_new_approval_starts_over(sqlite_store, tmp_path, media, clock):
    from nexus_desktop.domain import jobs as job_states

    ws = workspace(sqlite_store, tmp_path)
    (post_id,) = due_posts(ws, media, clock)
    job_id = schedule.posts(ws).get(post_id).job_id
    sqlite_store.jobs.transition(job_id, job_states.reject, "changed my mind")  # the job list's own reject
    assert Publishing(ws, clock=clock).publish_due() == []
    sqlite_store.jobs.transition(job_id, job_states.reopen)
    schedule.approve_jobs(ws, [job_id], now=clock.now)
    post = schedule.posts(ws).get(post_id)
    assert post.status is PostStatus.DRAFT and post.scheduled_at is None
    assert Publishing(ws, clock=clock).publish_due() == []
