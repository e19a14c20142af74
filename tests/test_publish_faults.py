"""Fault injection: 100 posts against a target that fails at random, an app instance killed
with SIGKILL in the middle of an upload, then two instances (two processes) restarting on the
same store at once. Afterwards every post is published exactly once: the target counts
uploads per post id."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.domain.posts import PostStatus
from nexus_desktop.pipeline import schedule
from nexus_desktop.providers.platforms import registry
from nexus_desktop.store.post_records import PostFilter
from tests.fakes import flaky_target
from tests.fakes.flaky_target import FaultPlan, FlakyTarget
from tests.publish_support import rendered_jobs, workspace

ROOT = Path(__file__).resolve().parent.parent
POSTS = 100

# An app instance that reconciles and publishes what is due, as `nexus publish-due` does
# (with retries at once instead of backoff), until it is done or killed.
INSTANCE = """
import sys
from tests.fakes import flaky_target
from nexus_desktop.paths import AppPaths
from nexus_desktop.pipeline.flow import Workspace
from nexus_desktop.pipeline.publish import Backoff, publish_due
from nexus_desktop.settings import Settings
from nexus_desktop.store import Store

flaky_target.register()
ws = Workspace(store=Store.open(sys.argv[1]), settings=Settings(), paths=AppPaths.resolve(sys.argv[2]))
publish_due(ws, backoff=Backoff(base=0, max_attempts=1000))
"""

FAULTS = {"500": 0.10, "429": 0.04, "reset_before": 0.06, "reset_after": 0.06, "timeout_before": 0.03, "timeout_after": 0.03}


def instance(url: str, data: Path, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-c", INSTANCE, url, str(data)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def test_fault_injection_every_post_is_published_exactly_once_across_a_crash(store, tmp_path, media):
    seed = random.randrange(2**32)
    plan = FaultPlan(seed=seed, upload_faults=FAULTS, lookup_500=0.1)
    plan.hang_on_commit = 30  # the 30th upload that arrives hangs: the instance is killed waiting for the answer
    flaky_target.register()
    url = store.db.engine.url.render_as_string(hide_password=False)
    try:
        with FlakyTarget(plan, slow=0.3) as server:
            ws = workspace(store, tmp_path, default_targets=["flaky"])
            schedule.targets(ws).add("flaky", "Flaky target", config={"base_url": server.url, "timeout": 0.1})
            report = schedule.approve_jobs(ws, rendered_jobs(store, ws.paths, media, POSTS))
            schedule.publish_now(ws, report.posts)
            assert len(report.posts) == POSTS

            log = tmp_path / "instances.log"
            first = instance(url, ws.paths.data, log)
            try:
                assert server.hung.wait(60), f"the instance never got far: {log.read_text()}"
                os.kill(first.pid, signal.SIGKILL)
            finally:
                first.kill()
                first.wait(30)
            server.release.set()
            stuck = schedule.posts(ws).list(PostFilter(statuses=(PostStatus.PUBLISHING,)))
            assert len(stuck) == 1 and server.counts[stuck[0].id] == 1  # it arrived; the instance never heard

            for _ in range(5):  # the restart: two instances on the same store, at once
                restarted = [instance(url, ws.paths.data, log) for _ in range(2)]
                assert [p.wait(120) for p in restarted] == [0, 0], log.read_text()
                counts = schedule.posts(ws).counts_by_status()
                if set(counts) == {PostStatus.PUBLISHED.value}:
                    break

            posts = schedule.posts(ws).list()
            context = f"seed {seed}, requests {dict(server.requests)}, statuses {counts}"
            assert server.violations == [], context
            assert server.counts == Counter({p.id: 1 for p in posts}), context
            assert all(p.status is PostStatus.PUBLISHED and p.url == server.uploads[p.id]["url"] for p in posts), context
            assert {j.status for j in store.jobs.list()} == {JobStatus.PUBLISHED}, context
            assert sum(server.requests.values()) > POSTS * 1.2, context  # the faults did happen
    finally:
        registry.unregister(flaky_target.PLATFORM)
