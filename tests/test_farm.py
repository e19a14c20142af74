"""The render farm: Celery workers over a real RabbitMQ, sharing a real PostgreSQL
database and a real S3 bucket, each worker a machine of its own (own data folder,
own process group)."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from nexus_desktop.domain.stages import PRODUCTION, Stage
from nexus_desktop.store import Store
from tests.fakes.farm_world import Farm, broker, empty_queues, in_review, stage_log, wait_for  # noqa: F401
from tests.fakes.sync_world import add_jobs, s3, sync_settings  # noqa: F401

pytestmark = pytest.mark.postgres
LEASE = 3.0  # seconds a killed worker's claim outlives it


@pytest.fixture
def farm(tmp_path, pg_url, s3, empty_queues):
    settings = sync_settings(s3.endpoint, database_url=pg_url)
    settings.farm.broker_url = empty_queues.url
    settings.farm.resend_after_seconds = 3.0
    settings.farm.lease_seconds = LEASE
    world = Farm(tmp_path, settings)
    store = Store.open(pg_url)
    yield world, store
    world.stop_all()
    store.close()


def ends(farm: Farm) -> Counter:
    return Counter((job, stage) for event, job, stage, _, _ in stage_log(farm.log) if event == "end")


def every_stage_once(job_ids) -> Counter:
    return Counter({(job, s.value): 1 for job in job_ids for s in PRODUCTION})


def test_two_workers_take_a_batch_to_review_and_a_killed_render_is_redone_elsewhere(farm):
    farm, store = farm
    farm.render_seconds = 2.0
    job_ids = add_jobs(store, 4)
    farm.start("machine-a")
    farm.start("machine-b")
    sent = farm.cli("desk", "run")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "4 job(s) sent to the farm" in sent.stdout

    def a_renders():
        return [r for r in stage_log(farm.log) if r[0] == "start" and r[2] == "render" and r[3] == "machine-a"]

    wait_for(a_renders, 60, "machine-a to start a render", check=farm.alive)
    victim = a_renders()[0][1]
    farm.kill("machine-a")
    killed_at = time.time()
    wait_for(lambda: in_review(store, job_ids), 60, "every job to reach review", check=farm.alive)

    rows = stage_log(farm.log)
    assert ends(farm) == every_stage_once(job_ids)  # no stage recorded twice
    victim_runs = [(event, who) for event, job, stage, who, _ in rows if job == victim and stage == "render"]
    assert victim_runs == [("start", "machine-a"), ("start", "machine-b"), ("end", "machine-b")]
    restarted = [at for event, job, stage, who, at in rows if job == victim and stage == "render" and who == "machine-b"][0]
    assert restarted >= killed_at + LEASE - LEASE / 4 - 0.5  # taken over once the claim lapsed, not before
    assert {who for _, _, _, who, _ in rows} == {"machine-a", "machine-b"}  # both did work
    assert store.jobs.results(victim)["render"]["by"] == "machine-b"
    assert all(job.claimed_by is None for job in store.jobs.get_many(job_ids))
    assets = [a for j in job_ids for a in store.assets.for_job(j)]
    assert len(assets) == 16 and {a.sync_status for a in assets} == {"synced"}  # no asset lost
    # machine-b rendered the victim from the files another machine made, fetched from the bucket
    visualize_by = store.jobs.results(victim)["visualize"]["by"]
    made_there = farm.root / visualize_by / "jobs" / f"{victim:06d}" / "visualize.txt"
    assert (farm.root / "machine-b" / "jobs" / f"{victim:06d}" / "visualize.txt").read_bytes() == made_there.read_bytes()
    farm.stop_all()
    assert farm.workers["machine-b"].returncode == 0, farm.output("machine-b")
