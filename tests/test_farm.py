"""The render farm: Celery workers over a real RabbitMQ, sharing a real PostgreSQL
database and a real S3 bucket, each worker a machine of its own (own data folder,
own process group)."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from nexus_desktop import __version__
from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.domain.stages import PRODUCTION, Stage
from nexus_desktop.settings import Settings
from nexus_desktop.store import Store
from tests.fakes.farm_world import Farm, broker, empty_queues, in_review, stage_log, wait_for  # noqa: F401
from tests.fakes.sync_world import add_jobs, s3, sync_settings  # noqa: F401
from tests.pg_cluster import free_port
from tests.s3_server import ADMIN

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
    world.kill_all()
    store.close()


def ends(farm: Farm) -> Counter:
    return Counter((job, stage) for event, job, stage, _, _ in stage_log(farm.log) if event == "end")


def synced(store, job_ids) -> int:
    return sum(a.sync_status == "synced" for j in job_ids for a in store.assets.for_job(j))


def every_stage_once(job_ids) -> Counter:
    return Counter({(job, s.value): 1 for job in job_ids for s in PRODUCTION})


def test_two_workers_take_a_batch_to_review_and_a_killed_render_is_redone_elsewhere(farm):
    farm, store = farm
    farm.render_seconds = 2.0
    job_ids = add_jobs(store, 4)
    # Sent before any worker runs: a worker's sweep sends queued jobs nobody sent for 3 s, and
    # on a busy machine it could beat the desk to all four.
    sent = farm.cli("desk", "run")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "4 job(s) sent to the farm" in sent.stdout
    # machine-a's renders last until it is killed: on a busy machine a 2 s render could end
    # before the kill and leave nothing to redo
    farm.start("machine-a", NEXUS_TEST_RENDER_SECONDS="600")
    farm.start("machine-b")

    def a_renders():
        return [r for r in stage_log(farm.log) if r[0] == "start" and r[2] == "render" and r[3] == "machine-a"]

    wait_for(a_renders, 60, "machine-a to start a render", check=farm.alive)
    victim = a_renders()[0][1]
    farm.kill("machine-a")
    killed_at = time.time()
    wait_for(lambda: in_review(store, job_ids), 60, "every job to reach review", check=farm.alive)
    wait_for(lambda: synced(store, job_ids) == 16, 30, "the last render's upload", check=farm.alive)

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


def test_with_the_broker_down_run_says_so_and_runs_here_when_asked_to(tmp_path, empty_queues):
    settings = sync_settings("http://127.0.0.1:9", database_url=f"sqlite+pysqlite:///{tmp_path / 'shared.sqlite3'}")
    settings.sync.enabled = False
    settings.farm.broker_url = f"amqp://guest@127.0.0.1:{free_port()}//"  # nothing listens there
    farm = Farm(tmp_path, settings, render_seconds=0.05)
    store = Store.open(settings.store.database_url)
    job_ids = add_jobs(store, 2)

    refused = farm.cli("desk", "run")
    assert refused.returncode == 2
    assert "the farm's broker at amqp://guest@127.0.0.1" in refused.stderr and "is not answering" in refused.stderr
    assert "nexus run --local" in refused.stderr
    assert not stage_log(farm.log) and all(j.status is JobStatus.QUEUED for j in store.jobs.get_many(job_ids))

    local = farm.cli("desk", "run", "--local")
    assert local.returncode == 0, local.stdout + local.stderr
    assert in_review(store, job_ids) and ends(farm) == every_stage_once(job_ids)
    store.close()


def test_a_worker_without_the_buckets_key_says_so_and_takes_no_task(farm):
    farm, store = farm
    job_ids = add_jobs(store, 1)
    farm.send(store)
    empty = farm.root / "no-keys.json"
    empty.write_text("{}")
    keyless = farm.start("keyless", NEXUS_TEST_KEYRING=str(empty))
    assert keyless.wait(timeout=60) == 2
    assert "nexus: no access key for the bucket is in the keyring" in farm.output("keyless")
    assert "nexus bucket login" in farm.output("keyless")
    assert not stage_log(farm.log) and store.jobs.get(job_ids[0]).status is JobStatus.QUEUED


def test_a_worker_on_another_version_refuses_tasks_and_a_matching_one_takes_them(farm):
    farm, store = farm
    job_ids = add_jobs(store, 1)
    farm.start("old", NEXUS_TEST_APP_VERSION="0.0.9")
    farm.send(store)
    refusal = (f"refused job {job_ids[0]} analyze: it was sent by Nexus Desktop {__version__} and this worker runs 0.0.9; "
               "update the worker. It takes no more tasks until then")
    wait_for(lambda: refusal in farm.output("old"), 60, "the old worker to refuse the task", check=farm.alive)
    assert not stage_log(farm.log) and store.jobs.get(job_ids[0]).stage is Stage.ANALYZE

    farm.start("new")
    wait_for(lambda: in_review(store, job_ids), 60, "the matching worker to take the job to review", check=farm.alive)
    assert {who for _, _, _, who, _ in stage_log(farm.log)} == {"new"} and ends(farm) == every_stage_once(job_ids)
    later = [f"refused job {job_ids[0]} {s.value}" for s in PRODUCTION[1:]]
    assert not any(line in farm.output("old") for line in later)  # it stopped taking tasks after the first


def test_a_task_for_a_job_deleted_meanwhile_is_dropped_and_the_rest_run_on_a_worker_set_up_by_environment(farm):
    farm, store = farm
    gone, kept = add_jobs(store, 2)
    farm.send(store)  # both analyze tasks wait on the broker
    assert store.jobs.delete([gone]) == 1
    # This worker is set up the way the compose file sets one up: environment variables, no settings, no keyring.
    empty = farm.root / "no-keys.json"
    empty.write_text("{}")
    sync = farm.settings.sync
    farm.start("machine-a", settings=Settings(), NEXUS_TEST_KEYRING=str(empty),
               NEXUS_DATABASE_URL=farm.settings.store.database_url, NEXUS_BROKER_URL=farm.settings.farm.broker_url,
               NEXUS_S3_ENDPOINT=sync.endpoint_url, NEXUS_S3_BUCKET=sync.bucket, NEXUS_S3_PREFIX=sync.prefix,
               NEXUS_S3_ACCESS_KEY_ID=ADMIN[0], NEXUS_S3_SECRET_ACCESS_KEY=ADMIN[1])
    wait_for(lambda: in_review(store, [kept]), 60, "the other job to reach review", check=farm.alive)
    wait_for(lambda: f"job {gone} was deleted; its analyze task is dropped" in farm.output("machine-a"), 30,
             "the worker to drop the deleted job's task", check=farm.alive)
    assert {job for _, job, _, _, _ in stage_log(farm.log)} == {kept}
    wait_for(lambda: synced(store, [kept]) == 4, 30, "the worker to upload what it made")


def test_when_the_broker_goes_away_mid_batch_the_tasks_resume_once_it_is_back(farm, broker):
    farm, store = farm
    farm.render_seconds = 1.5
    job_ids = add_jobs(store, 3)
    farm.start("machine-a")
    farm.send(store)
    wait_for(lambda: any(r[0] == "start" and r[2] == "render" for r in stage_log(farm.log)), 60, "a render to start",
             check=farm.alive)
    broker.stop()  # SIGKILL: the broker and whatever it had not written down are gone
    wait_for(lambda: any(r[0] == "end" and r[2] == "render" for r in stage_log(farm.log)), 30,
             "the render under way to finish without the broker", check=farm.alive)
    broker.start()
    wait_for(lambda: in_review(store, job_ids), 90, "every job to reach review after the broker is back", check=farm.alive)
    wait_for(lambda: synced(store, job_ids) == 12, 30, "the last render's upload", check=farm.alive)
    assert ends(farm) == every_stage_once(job_ids)  # nothing ran twice, nothing was lost
